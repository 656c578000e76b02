// `aviary models seed DIR`: pushes every DIR/<name>/<version>/model.onnx bundle (with its feature-spec.json
// and metrics.json when present). Idempotent, so the compose job and `npm start` can run it every time.
import { compareVersions, ModelRegistry, ServingPointers } from '@aviary/model-registry';
import { PushPipeline } from '@aviary/model-push';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pushModel } from './models-push';

/** Also promotes the newest version of each model that has no serving version yet, so a fresh stack serves. */
export async function seedModels(registry: ModelRegistry, dir: string, print: (line: string) => void): Promise<void> {
  const pointers = await ServingPointers.open(registry);
  const pipeline = new PushPipeline(registry, pointers, 'seed');
  const subdirs = (path: string) =>
    readdirSync(path)
      .filter((entry) => statSync(join(path, entry)).isDirectory())
      .sort(compareVersions);
  for (const name of subdirs(dir)) {
    const versions = subdirs(join(dir, name));
    for (const version of versions) {
      const bundle = join(dir, name, version);
      const optional = (file: string) => (existsSync(join(bundle, file)) ? join(bundle, file) : undefined);
      const { line } = await pushModel(pipeline, join(bundle, 'model.onnx'), {
        name,
        version,
        spec: optional('feature-spec.json'),
        metrics: optional('metrics.json'),
        serve: false,
      });
      print(line);
    }
    const newest = versions[versions.length - 1];
    if (newest !== undefined && (await pointers.claim(name, newest, 'seed')).claimed)
      print(`serving: ${name} version ${newest}`);
  }
}
