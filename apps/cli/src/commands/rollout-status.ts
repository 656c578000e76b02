// `aviary rollout status`: the models and the version each serves, as the rollout controller reports them.
import { subjects } from '@aviary/contracts';
import { decodeJson, EMPTY_BODY, NatsRpc } from '@aviary/messaging';
import { NatsConnection } from 'nats';

export async function rolloutStatus(nc: NatsConnection): Promise<unknown> {
  return decodeJson(
    await new NatsRpc(nc).request(subjects.rolloutStatus, EMPTY_BODY, { timeoutMs: 5000 }),
    'rollout status',
  );
}
