import { AviaryError, RequestLimits } from '@aviary/contracts';
import { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeBody, LIMIT_MESSAGE, readBody, saveBody } from './http-body';

/** A request body as a stream, with the headers a client would send. */
function incoming(chunks: string[], headers: Record<string, string> = {}): IncomingMessage {
  const stream = new PassThrough();
  Object.assign(stream, { headers });
  setImmediate(() => {
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
  });
  return stream as unknown as IncomingMessage;
}

const failure = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AviaryError);
  return error as AviaryError;
};

describe('readBody', () => {
  it('joins the chunks of a body within the limit', async () => {
    expect((await readBody(incoming(['{"a":', '1}']), 100)).toString()).toBe('{"a":1}');
  });

  it('refuses a declared Content-Length over the limit before reading anything', async () => {
    const error = await failure(readBody(incoming([], { 'content-length': '101' }), 100));
    expect([error.code, error.message]).toEqual(['PAYLOAD_TOO_LARGE', LIMIT_MESSAGE]);
  });

  it('refuses a body that grows past the limit while it is read', async () => {
    const error = await failure(readBody(incoming(['x'.repeat(60), 'x'.repeat(60)]), 100));
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('decodeBody', () => {
  const bytes = (text: string) => Buffer.from(text);
  const LIMITS: RequestLimits = {
    AVIARY_MAX_JSON_DEPTH: 8,
    AVIARY_MAX_PREDICT_RECORDS: 10,
    AVIARY_MAX_TENSOR_ELEMENTS: 10,
    AVIARY_MAX_STRING_BYTES: 16,
  };

  it('parses JSON whatever the charset parameter', () => {
    expect(decodeBody('application/json; charset=utf-8', bytes('{"a":[1]}'), false, LIMITS)).toEqual({ a: [1] });
  });

  it('hands raw bytes over only where the route takes them', () => {
    const body = bytes('\u0000\u0001');
    expect(decodeBody('application/octet-stream', body, true, LIMITS)).toBe(body);
    expect(() => decodeBody('application/octet-stream', body, false, LIMITS)).toThrow(
      'content-type must be application/json, got "application/octet-stream"',
    );
  });

  it('answers UNSUPPORTED_MEDIA_TYPE for any other or a missing content-type', () => {
    for (const type of ['text/plain', undefined]) {
      try {
        decodeBody(type, bytes('{}'), true, LIMITS);
        throw new Error('decoded');
      } catch (e) {
        expect((e as AviaryError).code).toBe('UNSUPPORTED_MEDIA_TYPE');
      }
    }
  });

  it('says what is wrong with JSON that does not parse', () => {
    expect(() => decodeBody('application/json', bytes('{"instances": ['), false, LIMITS)).toThrow(
      /^request body is not valid JSON: /,
    );
  });

  it('checks the JSON text against the request limits before parsing it', () => {
    expect(() => decodeBody('application/json', bytes('['.repeat(9) + ']'.repeat(9)), false, LIMITS)).toThrow(
      /AVIARY_MAX_JSON_DEPTH/,
    );
    expect(() => decodeBody('application/json', bytes(`["${'x'.repeat(17)}"]`), false, LIMITS)).toThrow(
      /AVIARY_MAX_STRING_BYTES/,
    );
  });

  it('refuses prototype poisoning, as Fastify does', () => {
    for (const text of ['{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}'])
      expect(() => decodeBody('application/json', bytes(text), false, LIMITS)).toThrow(
        /"__proto__" or "constructor.prototype"/,
      );
  });
});

describe('saveBody', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aviary-save-body-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const limit = { limitBytes: 10, message: 'too big' };

  it('streams a body within the limit into the file', async () => {
    const path = join(dir, 'small');
    await saveBody(incoming(['12345', '67890']), {}, path, limit);
    expect(readFileSync(path, 'utf8')).toBe('1234567890');
  });

  it('rejects PAYLOAD_TOO_LARGE once the bytes pass the limit, and drains the rest of the body', async () => {
    const body = incoming(['12345', '67890', 'x', 'more']);
    const error = await failure(saveBody(body, {}, join(dir, 'large'), limit));
    expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: 'too big' });
    if (!body.readableEnded) await new Promise((resolve) => body.once('end', resolve));
    expect(body.readableEnded).toBe(true);
  });

  it('rejects at once when the declared Content-Length is past the limit, creating no file', async () => {
    const path = join(dir, 'declared');
    const error = await failure(saveBody(incoming(['1']), { 'content-length': '11' }, path, limit));
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(() => readFileSync(path)).toThrow();
  });
});
