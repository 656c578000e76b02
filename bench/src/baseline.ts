// The in-process baseline: what one predict costs with no NATS and no HTTP — the same feature spec replayed on the
// same record, the same ONNX Runtime session settings as the inference service, the same output interpretation.
import { applyFeatureSpec, FeatureSpec, interpretOutputs, parseFeatureSpec } from '@aviary/features';
import { ModelSession } from '@aviary/inference-engine';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClosedLoopResult, runClosedLoop } from './load';

export interface ModelBundle {
  dir: string;
  spec: FeatureSpec;
  session: ModelSession;
}

/** Loads `<modelsDir>/<model>/<version>/{model.onnx,feature-spec.json}`. */
export async function loadBundle(options: { modelsDir: string; model: string; version: string }): Promise<ModelBundle> {
  const dir = join(options.modelsDir, options.model, options.version);
  const onnx = join(dir, 'model.onnx');
  const specFile = join(dir, 'feature-spec.json');
  for (const file of [onnx, specFile]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: the baseline needs the bundle the gateway serves`);
  }
  const spec = parseFeatureSpec(JSON.parse(readFileSync(specFile, 'utf8')));
  const session = await ModelSession.load(readFileSync(onnx));
  await session.warmUp();
  return { dir, spec, session };
}

/** The model input the spec makes of one record: what the OIP and gRPC scenarios send. */
export function featuresOf(bundle: ModelBundle, record: unknown): Float32Array {
  return applyFeatureSpec(bundle.spec, [record])[0].data as Float32Array;
}

export async function runBaseline(options: {
  bundle: ModelBundle;
  record: unknown;
  durationMs: number;
  warmUpOps: number;
}): Promise<ClosedLoopResult> {
  const { spec, session } = options.bundle;
  const records = [options.record];
  const predictOnce = async () => {
    const outputs = await session.run(applyFeatureSpec(spec, records));
    return interpretOutputs(spec, outputs);
  };
  for (let i = 0; i < options.warmUpOps; i++) await predictOnce();
  // One at a time, as a plain loop would: the figure is the cost of one predict on one core.
  return runClosedLoop({ concurrency: 1, durationMs: options.durationMs, send: predictOnce });
}
