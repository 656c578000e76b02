// Loads a pinned model version for batch scoring: its ONNX session and the same feature pipeline the online path
// compiles (@aviary/features compileFeatureSpec, read by columns), so batch and real-time predictions cannot drift apart.
import { AviaryError } from '@aviary/contracts';
import { compileFeatureSpec, parseFeatureSpec } from '@aviary/features';
import { ModelSession } from '@aviary/inference-engine';
import { ModelRegistry } from '@aviary/model-registry';
import { LoadedVersion } from './executor';
import { BatchScorer } from './scoring';

export async function loadVersionForBatch(
  source: { onnx: Uint8Array; featureSpec: unknown; name: string },
  intraOpThreads = 1,
): Promise<LoadedVersion> {
  if (source.featureSpec === undefined)
    throw new AviaryError(`${source.name} has no feature spec; batch jobs score raw records`, 'FAILED_PRECONDITION');
  const spec = parseFeatureSpec(source.featureSpec);
  const session = await ModelSession.load(source.onnx, { intraOpThreads });
  return { spec, scorer: new BatchScorer(compileFeatureSpec(spec), session), release: () => session.release() };
}

export async function loadRegisteredVersion(
  registry: ModelRegistry,
  model: string,
  version: string,
  intraOpThreads = 1,
): Promise<LoadedVersion> {
  const manifest = await registry.get(model, version);
  const onnx = await registry.fetchModel(manifest);
  return loadVersionForBatch(
    { onnx, featureSpec: manifest.featureSpec, name: `${model} version ${version}` },
    intraOpThreads,
  );
}
