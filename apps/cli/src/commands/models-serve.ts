// `aviary models serve NAME VERSION` (and `push --serve`): move the model's serving pointer, unless a rollout of
// the model is active (the controller owns the pointer until it ends).
import { AviaryError } from '@aviary/contracts';
import { ModelRegistry, ServingPointers } from '@aviary/model-registry';
import { RolloutAdmin } from '@aviary/rollout';

export async function serveVersion(
  registry: ModelRegistry,
  name: string,
  version: string,
  rollouts?: RolloutAdmin,
): Promise<string> {
  const locked = await rollouts?.servingLock(name);
  if (locked) throw new AviaryError(`cannot move the serving version of ${name}: ${locked}`, 'FAILED_PRECONDITION');
  const pointers = await ServingPointers.open(registry);
  const previous = await pointers.get(name);
  await pointers.serve(name, version, 'cli');
  return `serving: ${name} version ${version}${previous && previous.version !== version ? ` (was ${previous.version})` : ''}`;
}
