// Small helpers shared by the e2e specs: JSON over fetch against the gateway, a faulty model version.
import { failingGraph } from '@aviary/testing';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface JsonResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function getJson<T = any>(url: string): Promise<JsonResponse<T>> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as T, headers: response.headers };
}

export async function postJson<T = any>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

export const FLIGHT = { date: '2001/01/14 17:05', distance: 1009, origin: 'SEA', destination: 'SFO' };

/**
 * Writes flight-delay v2's graph to `file`, failing at run time on rows whose scaled distance (feature column 0) is
 * above `above` (1: flights longer than about 1,200 miles), as a broken export would.
 */
export function writeFaultyFlightDelay(file: string, above: number): void {
  const graph = readFileSync(join(__dirname, '../models/flight-delay/2/model.onnx'));
  writeFileSync(file, failingGraph(graph, { input: 'features', column: 0, above, output: 'probabilities' }));
}
