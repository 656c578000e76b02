// Writing answers on Node's own HTTP response: JSON, or the raw bytes of the OIP binary tensor data extension.
import { INFERENCE_HEADER } from '@aviary/contracts';
import type { ServerResponse } from 'node:http';

export interface Answer {
  body: unknown;
  /** Set for the binary tensor data extension: the body is then raw bytes. */
  headerLength?: number;
}

export function sendAnswer(response: ServerResponse, answer: Answer): void {
  if (answer.headerLength === undefined) return sendJson(response, 200, answer.body);
  const bytes = answer.body as Buffer;
  response.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': bytes.length,
    [INFERENCE_HEADER]: answer.headerLength,
  });
  response.end(bytes);
}

export function sendJson(
  response: ServerResponse,
  status: number,
  value: unknown,
  headers?: Record<string, string>,
): void {
  const text = JSON.stringify(value);
  response.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
