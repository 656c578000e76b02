import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { jsonPost, JsonPostTarget, loopbackUrl } from './http-client';

describe('jsonPost against a real HTTP server', () => {
  let server: Server;
  let url: URL;
  let target: JsonPostTarget | undefined;
  const connections: number[] = [];
  let handle: (request: IncomingMessage, body: string, response: ServerResponse) => void;

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => handle(request, body, response));
    });
    server.on('connection', () => connections.push(Date.now()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/models/m/predict`);
  });

  afterEach(() => {
    target?.close();
    target = undefined;
    connections.length = 0;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const answerJson =
    (status: number, value: unknown) => (_r: IncomingMessage, _b: string, response: ServerResponse) => {
      const text = JSON.stringify(value);
      response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      response.end(text);
    };

  it('posts the JSON body to the path and resolves on a 200, reusing one connection for sequential requests', async () => {
    const seen: string[] = [];
    handle = (request, body, response) => {
      seen.push(`${request.method} ${request.url} ${request.headers['content-type']} ${body}`);
      answerJson(200, { ok: true })(request, body, response);
    };
    target = jsonPost({ url, body: { instances: [{ a: 1 }] }, timeoutMs: 2_000 });
    for (let i = 0; i < 5; i++) await target.send();
    expect(seen).toEqual(Array(5).fill('POST /v1/models/m/predict application/json {"instances":[{"a":1}]}'));
    expect(connections).toHaveLength(1);
  });

  it('sends the extra headers it is given with every request', async () => {
    const seen: (string | string[] | undefined)[] = [];
    handle = (request, body, response) => {
      seen.push(request.headers['aviary-flag-set']);
      answerJson(200, {})(request, body, response);
    };
    target = jsonPost({ url, body: {}, timeoutMs: 2_000, headers: { 'Aviary-Flag-Set': 'bench' } });
    await target.send();
    await target.send();
    expect(seen).toEqual(['bench', 'bench']);
  });

  it('opens one connection per concurrent request', async () => {
    handle = answerJson(200, { ok: true });
    target = jsonPost({ url, body: {}, timeoutMs: 2_000 });
    await Promise.all(Array.from({ length: 4 }, () => target!.send()));
    expect(connections).toHaveLength(4);
  });

  it('rejects a non-200 answer with its status and body, and the connection stays usable', async () => {
    let calls = 0;
    handle = (request, body, response) =>
      (++calls === 1 ? answerJson(400, { error: 'bad record' }) : answerJson(200, {}))(request, body, response);
    target = jsonPost({ url, body: {}, timeoutMs: 2_000 });
    await expect(target.send()).rejects.toThrow('HTTP 400: {"error":"bad record"}');
    await target.send();
    expect(connections).toHaveLength(1);
  });

  it('reads an answer that arrives in several chunks', async () => {
    handle = (_request, _body, response) => {
      const text = JSON.stringify({ padding: 'x'.repeat(200_000) });
      response.writeHead(200, { 'content-length': Buffer.byteLength(text) });
      response.write(text.slice(0, 1000));
      setTimeout(() => response.end(text.slice(1000)), 20);
    };
    target = jsonPost({ url, body: {}, timeoutMs: 2_000 });
    await target.send();
    await target.send();
  });

  it('rejects an answer without Content-Length rather than guessing where it ends', async () => {
    handle = (_request, _body, response) => {
      response.writeHead(200, { 'transfer-encoding': 'chunked' });
      response.end('{}');
    };
    target = jsonPost({ url, body: {}, timeoutMs: 2_000 });
    await expect(target.send()).rejects.toThrow(/without Content-Length/);
  });

  it('rejects a request the server does not answer in time, then recovers on a new connection', async () => {
    let calls = 0;
    handle = (request, body, response) => {
      if (++calls > 1) answerJson(200, {})(request, body, response);
    };
    target = jsonPost({ url, body: {}, timeoutMs: 200 });
    await expect(target.send()).rejects.toThrow('no answer within 200 ms');
    await target.send();
    expect(connections).toHaveLength(2);
  });

  it('refuses a URL that is not on the loopback interface', () => {
    expect(() => loopbackUrl('http://example.com:8080')).toThrow(/loopback/);
    expect(loopbackUrl('http://127.0.0.1:8080/x').port).toBe('8080');
  });
});
