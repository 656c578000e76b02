// `aviary models serve NAME VERSION` (and `push --serve`): move the model's serving pointer.
import { ModelRegistry, ServingPointers } from '@aviary/model-registry';

export async function serveVersion(registry: ModelRegistry, name: string, version: string): Promise<string> {
  const pointers = await ServingPointers.open(registry);
  const previous = await pointers.get(name);
  await pointers.serve(name, version, 'cli');
  return `serving: ${name} version ${version}${previous && previous.version !== version ? ` (was ${previous.version})` : ''}`;
}
