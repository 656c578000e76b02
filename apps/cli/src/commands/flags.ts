// `aviary flags put FILE [--set NAME]` and `aviary flags evaluate FLAG [--context JSON]`.
import { buckets, FlagEvaluationRequest, subjects } from '@aviary/contracts';
import { FlagSet } from '@aviary/flags-engine';
import { decodeJson, encodeJson, NatsRpc, openKv } from '@aviary/messaging';
import { readFile } from 'node:fs/promises';
import { NatsConnection } from 'nats';

/** Validates the whole set before storing it: the flags service never sees a set that flagd would reject. */
export async function putFlagSet(nc: NatsConnection, file: string, flagSet: string): Promise<string> {
  const set = FlagSet.parse(await readFile(file, 'utf8'));
  const kv = await openKv(nc.jetstream(), buckets.flags);
  const revision = await kv.put(flagSet, set.source);
  return `flag set "${flagSet}" stored (revision ${revision}): ${set.keys().join(', ')}`;
}

export async function evaluateFlag(nc: NatsConnection, request: FlagEvaluationRequest): Promise<unknown> {
  const reply = await new NatsRpc(nc).request(subjects.flagsEvaluate, encodeJson(request), { timeoutMs: 5000 });
  return decodeJson(reply, 'flag evaluation');
}
