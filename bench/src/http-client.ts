// HTTP/1.1 for the load loops, as wrk and autocannon do it: keep-alive sockets, the request bytes built once, and
// only the status line and Content-Length read back (the answer's content is checked once, during warm-up). The
// load generator shares the machine's two cores with the stack, so every microsecond it spends is the stack's loss.
import { connect, Socket } from 'node:net';

export interface JsonPostTarget {
  send(): Promise<void>;
  /** Closes every connection the target opened. */
  close(): void;
}

/** Refuses anything but the loopback interface: the bench never loads a remote machine. */
export function loopbackUrl(raw: string): URL {
  const url = new URL(raw);
  if (url.protocol !== 'http:') throw new Error(`--url must be http://, got ${url.protocol}`);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new Error(`the bench only targets the loopback interface (127.0.0.1), got ${url.hostname}`);
  }
  return url;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection carrying one request at a time. */
class Connection {
  private buffered: Buffer = Buffer.alloc(0);
  private waiting?: { resolve(): void; reject(error: Error): void; timer: NodeJS.Timeout };
  readonly socket: Socket;
  broken = false;

  constructor(host: string, port: number) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('close', () => this.fail(new Error('the server closed the connection')));
  }

  exchange(request: Buffer, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      this.waiting = { resolve, reject, timer };
      this.socket.write(request);
    });
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const headerEnd = this.buffered.indexOf(HEADER_END);
    if (headerEnd < 0) return;
    const head = this.buffered.subarray(0, headerEnd).toString('latin1');
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) return this.fail(new Error(`an answer without Content-Length: ${head.slice(0, 200)}`));
    const end = headerEnd + HEADER_END.length + Number(length[1]);
    if (this.buffered.length < end) return;
    const status = Number(head.slice(9, 12));
    const body = this.buffered.subarray(headerEnd + HEADER_END.length, end);
    this.buffered = this.buffered.subarray(end);
    const waiting = this.waiting;
    this.waiting = undefined;
    if (!waiting) return this.fail(new Error('an answer nobody asked for'));
    clearTimeout(waiting.timer);
    if (status === 200) waiting.resolve();
    else waiting.reject(new Error(`HTTP ${status}: ${body.toString('utf8').slice(0, 200)}`));
  }

  private fail(error: Error): void {
    this.broken = true;
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) {
      clearTimeout(waiting.timer);
      waiting.reject(error);
    }
    this.socket.destroy();
  }
}

/** POSTs one fixed JSON body; concurrent sends use separate connections, idle ones are reused. */
export function jsonPost(options: {
  url: URL;
  body: unknown;
  timeoutMs: number;
  headers?: Record<string, string>;
}): JsonPostTarget {
  const payload = Buffer.from(JSON.stringify(options.body));
  const host = options.url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(options.url.port || 80);
  const extraHeaders = Object.entries(options.headers ?? {})
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const request = Buffer.concat([
    Buffer.from(
      `POST ${options.url.pathname}${options.url.search} HTTP/1.1\r\nHost: ${options.url.host}\r\n` +
        `Content-Type: application/json\r\n${extraHeaders}Content-Length: ${payload.length}\r\n\r\n`,
      'latin1',
    ),
    payload,
  ]);
  const idle: Connection[] = [];
  const open = new Set<Connection>();
  return {
    async send() {
      let connection = idle.pop();
      // The server may have closed an idle connection (keep-alive timeout) since its last use.
      while (connection?.broken) connection = idle.pop();
      connection ??= new Connection(host, port);
      open.add(connection);
      try {
        await connection.exchange(request, options.timeoutMs);
      } finally {
        if (connection.broken) open.delete(connection);
        else idle.push(connection);
      }
    },
    close() {
      for (const connection of open) connection.socket.destroy();
      open.clear();
      idle.length = 0;
    },
  };
}

/** One parsed JSON exchange, for warm-up checks and metadata (not used inside the load loops). */
export async function fetchJson<T>(url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`${body === undefined ? 'GET' : 'POST'} ${url} answered ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}
