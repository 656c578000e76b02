// `aviary models serve NAME VERSION`: move the model's serving pointer, unless a rollout of the model is active.
import { ModelRegistry, ServingPointers } from '@aviary/model-registry';
import { RolloutAdmin, serveVersion } from '@aviary/rollout';

export async function serveCommand(
  registry: ModelRegistry,
  rollouts: RolloutAdmin,
  { name, version }: { name: string; version: string },
): Promise<string> {
  const { previous } = await serveVersion(await ServingPointers.open(registry), rollouts, {
    model: name,
    version,
    by: 'cli',
  });
  return `serving: ${name} version ${version}${previous !== undefined && previous !== version ? ` (was ${previous})` : ''}`;
}
