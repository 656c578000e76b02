// `aviary flags ab MODEL`: the arms of a model's version flag side by side, from every gateway replica's series.
import { subjects } from '@aviary/contracts';
import { decodeJson, gatherReplies } from '@aviary/messaging';
import { MetricSnapshot, variantReport, VariantRow } from '@aviary/rollout';
import { NatsConnection } from 'nats';

/** Replicas answer within microseconds; the wait only bounds how long a slow one may take. */
const GATHER_MS = 500;

export async function variantRows(nc: NatsConnection, model: string): Promise<VariantRow[]> {
  const replies = await gatherReplies(nc, subjects.variantMetrics(model), GATHER_MS);
  return variantReport(
    replies.map((body) => (decodeJson(body, 'A/B series') as { metrics: MetricSnapshot[] }).metrics),
  );
}
