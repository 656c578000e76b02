// A lean HTTP/1.1 JSON POST for the load loops: one keep-alive agent, the body serialized once, the answer
// drained without parsing (its content is checked once, during warm-up).
import { Agent, request, RequestOptions } from 'node:http';

export interface JsonPostTarget {
  send(): Promise<void>;
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

export function keepAliveAgent(maxSockets: number): Agent {
  // lifo reuses the hottest sockets, so a low rate keeps few connections open.
  return new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo', noDelay: true });
}

export function jsonPost(options: { url: URL; body: unknown; agent: Agent; timeoutMs: number }): JsonPostTarget {
  const payload = Buffer.from(JSON.stringify(options.body));
  const requestOptions: RequestOptions = {
    host: options.url.hostname.replace(/^\[|\]$/g, ''),
    port: options.url.port || 80,
    path: options.url.pathname + options.url.search,
    method: 'POST',
    agent: options.agent,
    headers: { 'content-type': 'application/json', 'content-length': payload.length },
  };
  const timeoutMs = options.timeoutMs;
  return {
    send: () =>
      new Promise<void>((resolve, reject) => {
        const req = request(requestOptions, (res) => {
          if (res.statusCode === 200) {
            res.on('end', resolve);
            res.resume();
            return;
          }
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`)));
        });
        req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on('error', reject);
        req.end(payload);
      }),
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
