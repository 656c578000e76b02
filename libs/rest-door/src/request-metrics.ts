// Request metrics of the public doors (the gateway's REST and gRPC, the edge agent's REST), so one dashboard sees
// all traffic.
import { counter, latencyHistogram } from '@aviary/telemetry/core';

/**
 * `code` is the protocol's own status: the HTTP status for REST, the gRPC status name (OK, NOT_FOUND, ...) for gRPC.
 * `outcome` puts both doors on one scale, so an error rate (server_error / all) reads the same for REST and gRPC.
 */
export const requestsTotal = counter('aviary_requests_total', 'Requests by route, model, status code and outcome', [
  'route',
  'model',
  'code',
  'outcome',
]);

export type Outcome = 'ok' | 'client_error' | 'server_error';

export function outcomeOfHttpStatus(status: number): Outcome {
  if (status < 400) return 'ok';
  return status < 500 ? 'client_error' : 'server_error';
}
export const requestDuration = latencyHistogram(
  'aviary_request_duration_seconds',
  'Request latency by route and model',
  ['route', 'model'],
);
