// Moving a model's serving pointer by hand (`aviary models serve`, PUT /v1/admin/models/:model/serving): refused
// while a rollout of the model is active, since the rollout controller owns the pointer until the rollout ends.
import { AviaryError } from '@aviary/contracts';
import { ServingPointers } from '@aviary/model-registry';
import type { RolloutAdmin } from './rollout-store';

export interface ServeVersion {
  model: string;
  version: string;
  /** Who moves it, recorded on the pointer: "cli", "admin-api". */
  by: string;
}

/** Moves the pointer unless a rollout holds it (FAILED_PRECONDITION, naming the rollout and how to end it). */
export async function serveVersion(
  pointers: ServingPointers,
  rollouts: RolloutAdmin,
  { model, version, by }: ServeVersion,
): Promise<{ version: string; previous?: string }> {
  const locked = await rollouts.servingLock(model);
  if (locked) throw new AviaryError(`cannot move the serving version of ${model}: ${locked}`, 'FAILED_PRECONDITION');
  const previous = await pointers.get(model);
  await pointers.serve(model, version, by);
  return { version, ...(previous && { previous: previous.version }) };
}
