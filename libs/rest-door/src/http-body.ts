// Reading and decoding a request body for the direct routes: a size limit enforced while reading, JSON (its text
// checked against the request limits first, then parsed with Fastify's guard against prototype poisoning) or raw
// bytes for the OIP binary tensor data extension.
import { AviaryError, checkJsonText, invalid, RequestLimits } from '@aviary/contracts';
import { createWriteStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Readable, Transform } from 'node:stream';
import secureJson from 'secure-json-parse';

export const LIMIT_MESSAGE = 'request body is larger than the limit set by AVIARY_MAX_BODY_BYTES';

/** Resolves with the whole body, or rejects PAYLOAD_TOO_LARGE as soon as it passes `limitBytes`. */
export function readBody(request: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (declared > limitBytes) return Promise.reject(new AviaryError(LIMIT_MESSAGE, 'PAYLOAD_TOO_LARGE'));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > limitBytes) {
        // The rest is read and dropped (as Node does for any unread body), so the client can read the answer.
        request.off('data', onData);
        request.resume();
        reject(new AviaryError(LIMIT_MESSAGE, 'PAYLOAD_TOO_LARGE'));
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length)));
    request.once('error', reject);
  });
}

/**
 * Streams a body into the file at `path`, never holding it whole; rejects PAYLOAD_TOO_LARGE with `message` as soon as
 * it passes `limitBytes` (at once when its Content-Length says so), leaving the file partial for the caller to remove.
 * The source is drained, not destroyed, on the way out, so the client reads the answer rather than a reset.
 */
export function saveBody(
  body: Readable,
  headers: IncomingMessage['headers'],
  path: string,
  { limitBytes, message }: { limitBytes: number; message: string },
): Promise<void> {
  const tooLarge = () => new AviaryError(message, 'PAYLOAD_TOO_LARGE');
  if (Number(headers['content-length']) > limitBytes) {
    body.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise<void>((resolve, reject) => {
    let length = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        length += chunk.length;
        done(length > limitBytes ? tooLarge() : null, chunk);
      },
    });
    const file = createWriteStream(path);
    const fail = (error: Error) => {
      body.unpipe(limit);
      body.resume();
      file.destroy();
      reject(error);
    };
    limit.once('error', fail);
    file.once('error', fail);
    body.once('error', fail);
    file.once('finish', () => resolve());
    body.pipe(limit).pipe(file);
  });
}

/** The media types a route takes: JSON always, raw bytes where `bytes` is allowed. */
export function decodeBody(
  contentType: string | undefined,
  body: Buffer,
  acceptsBytes: boolean,
  limits: RequestLimits,
): unknown {
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType === 'application/json') {
    checkJsonText(body, limits);
    return parseJson(body.toString('utf8'));
  }
  if (acceptsBytes && mediaType === 'application/octet-stream') return body;
  const expected = acceptsBytes ? 'application/json or application/octet-stream' : 'application/json';
  throw new AviaryError(
    `content-type must be ${expected}, got ${mediaType ? `"${mediaType}"` : 'none'}`,
    'UNSUPPORTED_MEDIA_TYPE',
  );
}

function parseJson(text: string): unknown {
  try {
    return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    const message = (error as Error).message;
    // secure-json-parse reports poisoning as a SyntaxError too.
    throw invalid(
      /forbidden/.test(message)
        ? 'request body must not set "__proto__" or "constructor.prototype"'
        : `request body is not valid JSON: ${message}`,
    );
  }
}
