import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { measurementOf, PrometheusProvider } from './prometheus';

const success = (data: object) => JSON.stringify({ status: 'success', data });
const vector = (...values: string[]) =>
  success({
    resultType: 'vector',
    result: values.map((v, i) => ({ metric: { version: String(i + 1) }, value: [1700000000, v] })),
  });

describe('measurementOf', () => {
  it('reads a scalar and a one-element vector as a number', () => {
    expect(measurementOf(200, success({ resultType: 'scalar', result: [1700000000, '0.25'] }))).toEqual({
      value: 0.25,
    });
    expect(measurementOf(200, vector('12.5'))).toEqual({
      value: 12.5,
      series: [{ labels: { version: '1' }, value: 12.5 }],
    });
  });

  it('reads a longer vector as its values in order, with their labels', () => {
    expect(measurementOf(200, vector('1', '2'))).toMatchObject({
      value: [1, 2],
      series: [{ labels: { version: '1' } }, {}],
    });
  });

  it('is no data, never a value, for an empty vector, NaN and infinities', () => {
    expect(measurementOf(200, vector())).toEqual({ noData: true, reason: 'the query returned an empty vector' });
    expect(measurementOf(200, success({ resultType: 'scalar', result: [1, 'NaN'] }))).toEqual({
      noData: true,
      reason: "the query's value is NaN",
    });
    expect(measurementOf(200, vector('NaN', '+Inf'))).toMatchObject({ noData: true });
  });

  it('leaves NaN series out of a vector that also has numbers', () => {
    expect(measurementOf(200, vector('NaN', '0.5'))).toMatchObject({ value: 0.5 });
  });

  it('is an error for a query error, a string, a range vector and a body that is not Prometheus JSON', () => {
    const bad = JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error at char 4' });
    expect(measurementOf(400, bad)).toEqual({ error: 'prometheus answered HTTP 400: bad_data: parse error at char 4' });
    expect(measurementOf(200, success({ resultType: 'string', result: [1, 'x'] }))).toHaveProperty('error');
    expect(measurementOf(200, success({ resultType: 'matrix', result: [] }))).toEqual({
      error: expect.stringMatching(/range vector/),
    });
    expect(measurementOf(502, '<html>bad gateway</html>')).toEqual({
      error: expect.stringMatching(/^prometheus answered HTTP 502 with a body that is not JSON/),
    });
    expect(measurementOf(200, '{"status":"success"}')).toEqual({ error: expect.stringMatching(/unexpected shape/) });
  });
});

describe('PrometheusProvider over HTTP', () => {
  let server: Server;
  let address: string;
  let answer: (body: string, respond: (status: number, text: string) => void) => void;
  let received: URLSearchParams | undefined;

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received = new URLSearchParams(body);
        answer(body, (status, text) => response.writeHead(status).end(text));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });

  it('sends the query at the measurement time and reads the answer', async () => {
    answer = (_, respond) => respond(200, vector('3'));
    const at = new Date('2026-01-01T00:00:10.500Z');
    expect(await new PrometheusProvider({ address }).measure('sum(up)', at)).toMatchObject({ value: 3 });
    expect(received?.get('query')).toBe('sum(up)');
    expect(received?.get('time')).toBe(String(at.getTime() / 1000));
  });

  it('is an error when the server does not answer in time', async () => {
    answer = () => undefined; // never answers
    const measurement = await new PrometheusProvider({ address, timeoutMs: 100 }).measure('up', new Date());
    expect(measurement).toEqual({ error: expect.stringMatching(/did not answer within 100 ms/) });
  });

  it('is an error when nothing listens at the address', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const measurement = await new PrometheusProvider({ address: `http://127.0.0.1:${port}` }).measure('up', new Date());
    expect(measurement).toEqual({ error: expect.stringMatching(/unreachable: ECONNREFUSED/) });
  });
});
