// `aviary models push FILE --name N --version V [--spec F] [--metrics F] [--sha256 H]`
import { ModelRegistry } from '@aviary/model-registry';
import { readFile } from 'node:fs/promises';

export interface PushOptions {
  name: string;
  version: string;
  spec?: string;
  metrics?: string;
  sha256?: string;
}

async function readJson(path: string, what: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

export async function pushModel(registry: ModelRegistry, file: string, options: PushOptions): Promise<string> {
  const { manifest, created } = await registry.push({
    name: options.name,
    version: options.version,
    onnx: await readFile(file),
    featureSpec: options.spec ? await readJson(options.spec, 'feature spec') : undefined,
    metrics: options.metrics ? ((await readJson(options.metrics, 'metrics')) as Record<string, unknown>) : undefined,
    expectedSha256: options.sha256,
  });
  const what = created ? 'pushed' : 'already present';
  return `${what}: ${manifest.name} version ${manifest.version} (sha256 ${manifest.sha256.slice(0, 12)}, ${manifest.sizeBytes} bytes)`;
}
