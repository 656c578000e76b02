// `aviary models seed DIR`: pushes every DIR/<name>/<version>/model.onnx bundle (with its feature-spec.json
// and metrics.json when present). Idempotent, so the compose job and `npm start` can run it every time.
import { ModelRegistry } from '@aviary/model-registry';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pushModel } from './models-push';

export async function seedModels(registry: ModelRegistry, dir: string, print: (line: string) => void): Promise<void> {
  const subdirs = (path: string) => readdirSync(path).filter((entry) => statSync(join(path, entry)).isDirectory()).sort();
  for (const name of subdirs(dir)) {
    for (const version of subdirs(join(dir, name))) {
      const bundle = join(dir, name, version);
      const optional = (file: string) => (existsSync(join(bundle, file)) ? join(bundle, file) : undefined);
      print(await pushModel(registry, join(bundle, 'model.onnx'), { name, version, spec: optional('feature-spec.json'), metrics: optional('metrics.json') }));
    }
  }
}
