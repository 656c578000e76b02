// `aviary rollout apply|status|promote|pause|resume|abort|retry|undo|history`: the rollout admin in @aviary/rollout,
// the same the gateway's admin API runs; `rollout status` without a model adds the serving report of every model.
import { subjects } from '@aviary/contracts';
import { decodeJson, EMPTY_BODY, NatsRpc } from '@aviary/messaging';
import { ModelRegistry } from '@aviary/model-registry';
import {
  formatRollout,
  registryLookup,
  RolloutAdmin,
  RolloutCommand,
  RolloutRejected,
  RolloutStore,
} from '@aviary/rollout';
import { readFile } from 'node:fs/promises';
import { NatsConnection } from 'nats';

export async function openRolloutAdmin(registry: ModelRegistry): Promise<RolloutAdmin> {
  return new RolloutAdmin(await RolloutStore.open(registry.connection), registryLookup(registry));
}

export async function applyRollout(admin: RolloutAdmin, file: string): Promise<string> {
  const { status } = await admin.apply(await readFile(file, 'utf8'));
  return `rollout of ${status.model} version ${status.candidate} over ${status.stable} applied: ${status.phase} at step ${status.step}`;
}

export async function rolloutCommand(admin: RolloutAdmin, model: string, command: RolloutCommand): Promise<string> {
  const { status } = await admin.command(model, command);
  return `${command}: ${status.model} is ${status.phase}${status.reason ? ` (${status.reason})` : ''} at step ${status.step}, canary weight ${status.weight}%, serving ${status.serving}`;
}

export async function rolloutStatusText(admin: RolloutAdmin, model: string): Promise<string> {
  return formatRollout(await admin.get(model));
}

/** The serving report (as before) with every rollout's phase beside it. */
export async function servingAndRollouts(nc: NatsConnection, admin: RolloutAdmin): Promise<unknown> {
  const report = decodeJson(
    await new NatsRpc(nc).request(subjects.rolloutStatus, EMPTY_BODY, { timeoutMs: 5000 }),
    'rollout status',
  ) as Record<string, unknown>;
  const rollouts = (await admin.list()).map(({ status: s }) => ({
    model: s.model,
    stable: s.stable,
    candidate: s.candidate,
    phase: s.phase,
    ...(s.reason && { reason: s.reason }),
    step: s.step,
    weight: s.weight,
  }));
  return { ...report, rollouts };
}

export async function rolloutHistory(admin: RolloutAdmin, model: string, json = false): Promise<string> {
  const events = await admin.history(model);
  if (json) return JSON.stringify(events, null, 2);
  return events.length
    ? events.map((e) => `${e.time}  #${e.seq}  ${e.phase.padEnd(11)} step ${e.step}  ${e.message}`).join('\n')
    : `no rollout events for ${model}`;
}

/** Every problem of a rejected document, one per line. */
export function describeRolloutRejection(error: RolloutRejected): string {
  return [
    `invalid rollout (${error.problems.length} problems):`,
    ...error.problems.map((p) => `  ${p.path || '(document)'}  ${p.message}`),
  ].join('\n');
}
