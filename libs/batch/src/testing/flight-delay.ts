// The demo flight-delay version (spec and ONNX file from models/), for tests that score real rows in-process.
import { ModelSession } from '@aviary/inference-engine';
import { parseFeatureSpec, versionPipeline } from '@aviary/features';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchScorer } from '../scoring';

export const FLIGHT_DELAY_DIR = join(__dirname, '../../../../models/flight-delay/1');

export async function flightDelayScorer() {
  const featureSpec: unknown = JSON.parse(readFileSync(join(FLIGHT_DELAY_DIR, 'feature-spec.json'), 'utf8'));
  const spec = parseFeatureSpec(featureSpec);
  const session = await ModelSession.load(readFileSync(join(FLIGHT_DELAY_DIR, 'model.onnx')));
  const pipeline = versionPipeline({ inputs: session.inputs, featureSpec });
  return { spec, session, scorer: new BatchScorer(pipeline, session, spec.inputs) };
}
