// Writes a trained bundle as models/<name>/<version>/{model.onnx, feature-spec.json, metrics.json, holdout.jsonl}: byte-identical
// for identical training, so re-running the trainer leaves a clean git diff.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import type { TrainedBundle } from './train-model';

export const BUNDLE_FILES = {
  onnx: 'model.onnx',
  spec: 'feature-spec.json',
  metrics: 'metrics.json',
  holdout: 'holdout.jsonl',
} as const;

/** Returns the bundle's directory. */
export async function writeBundle(outDir: string, bundle: TrainedBundle): Promise<string> {
  const dir = join(outDir, bundle.metrics.model, String(bundle.metrics.version));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, BUNDLE_FILES.onnx), bundle.onnx);
  // The spec keeps full precision: serving must compute exactly the features the model was trained on.
  writeFileSync(join(dir, BUNDLE_FILES.spec), await formatJson(JSON.stringify(bundle.spec)));
  writeFileSync(join(dir, BUNDLE_FILES.metrics), await formatJson(JSON.stringify(bundle.metrics, roundMetric)));
  // One labelled held-out record per line, for `aviary models push --eval` and `aviary models compare`.
  writeFileSync(join(dir, BUNDLE_FILES.holdout), bundle.holdout.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return dir;
}

/**
 * JSON laid out by the repository's Prettier config, so committed bundles pass the format check unchanged. The config
 * is resolved from this module's location, not the output folder, so the bytes never depend on --out.
 */
async function formatJson(json: string): Promise<string> {
  const options = await resolveConfig(__filename);
  return format(json, { ...options, parser: 'json' });
}

// Six decimals are plenty for a metric and keep the file readable; integers (row counts, seeds) stay exact.
const roundMetric = (_key: string, value: unknown) =>
  typeof value === 'number' && !Number.isInteger(value) ? Number(value.toFixed(6)) : value;
