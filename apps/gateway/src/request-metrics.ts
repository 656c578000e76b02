// Gateway request metrics, shared by the REST and gRPC doors so one dashboard sees all traffic.
import { counter, latencyHistogram } from '@aviary/telemetry';

/** `code` is the protocol's own status: the HTTP status for REST, the gRPC status name (OK, NOT_FOUND, ...) for gRPC. */
export const requestsTotal = counter('aviary_requests_total', 'Gateway requests by route, model and status code', [
  'route',
  'model',
  'code',
]);
export const requestDuration = latencyHistogram(
  'aviary_request_duration_seconds',
  'Gateway request latency by route and model',
  ['route', 'model'],
);
