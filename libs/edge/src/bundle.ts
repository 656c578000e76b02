// An edge bundle: everything an edge agent needs to serve offline (per model version its ONNX graph, manifest and
// feature spec; which version serves; the model flag set), and bundle.json, which lists every other file with its
// sha256. The agent refuses a bundle whose files do not match their checksums, so a tampered or half-copied bundle
// never serves.
import { AviaryError, ModelManifest } from '@aviary/contracts';
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const BUNDLE_INDEX = 'bundle.json';
export const BUNDLE_FORMAT = 1;

export const bundlePaths = {
  onnx: (model: string, version: string) => `models/${model}/${version}/model.onnx`,
  manifest: (model: string, version: string) => `models/${model}/${version}/manifest.json`,
  featureSpec: (model: string, version: string) => `models/${model}/${version}/feature-spec.json`,
  flagSet: (name: string) => `flags/${name}.json`,
};

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 in hex');

export const bundleIndexSchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  createdAt: z.string(),
  /** Per model: its versions in the bundle and the one that takes unversioned requests. */
  models: z.record(z.string(), z.strictObject({ serving: z.string(), versions: z.array(z.string()).min(1) })),
  /** The flag sets in the bundle (the model flag set, when the hub had one). */
  flagSets: z.array(z.string()),
  /** Every other file of the bundle, by its path relative to the bundle, with its sha256. */
  files: z.record(z.string(), sha256Hex),
});
export type BundleIndex = z.infer<typeof bundleIndexSchema>;

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export interface BundleVersion {
  manifest: ModelManifest;
  onnx: Uint8Array;
}

/** The files of a bundle (bundle.json included) for the versions given, the first of each model serving. */
export function bundleFiles(request: {
  versions: readonly BundleVersion[];
  serving: Readonly<Record<string, string>>;
  flagSets: Readonly<Record<string, string>>;
  createdAt: string;
}): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const text = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
  const models: BundleIndex['models'] = {};
  for (const { manifest, onnx } of request.versions) {
    const { name, version, featureSpec, ...rest } = manifest;
    files.set(bundlePaths.onnx(name, version), onnx);
    files.set(bundlePaths.manifest(name, version), text({ name, version, ...rest }));
    if (featureSpec !== undefined) files.set(bundlePaths.featureSpec(name, version), text(featureSpec));
    const serving = request.serving[name] ?? version;
    (models[name] ??= { serving, versions: [] }).versions.push(version);
  }
  for (const [name, definition] of Object.entries(request.flagSets))
    files.set(bundlePaths.flagSet(name), Buffer.from(definition));
  const index: BundleIndex = {
    format: BUNDLE_FORMAT,
    createdAt: request.createdAt,
    models,
    flagSets: Object.keys(request.flagSets),
    files: Object.fromEntries([...files].map(([path, bytes]) => [path, sha256(bytes)])),
  };
  files.set(BUNDLE_INDEX, text(index));
  return files;
}

/**
 * Checks a bundle against its index: every listed file present with its checksum, no model file missing from the
 * index. Throws FAILED_PRECONDITION listing every problem, so an operator sees at once what was changed.
 */
export function verifyBundle(indexText: string, read: (path: string) => Uint8Array | undefined): BundleIndex {
  let index: BundleIndex;
  try {
    index = bundleIndexSchema.parse(JSON.parse(indexText));
  } catch (e) {
    throw new AviaryError(
      `${BUNDLE_INDEX} is not a valid bundle index: ${(e as Error).message}`,
      'FAILED_PRECONDITION',
    );
  }
  const problems: string[] = [];
  for (const [path, expected] of Object.entries(index.files)) {
    const bytes = read(path);
    if (bytes === undefined) problems.push(`${path} is missing`);
    else if (sha256(bytes) !== expected) problems.push(`${path} does not match its sha256 in ${BUNDLE_INDEX}`);
  }
  for (const [model, { serving, versions }] of Object.entries(index.models)) {
    if (!versions.includes(serving))
      problems.push(`model ${model} serves version ${serving}, which is not in the bundle`);
    for (const version of versions) {
      for (const path of [bundlePaths.onnx(model, version), bundlePaths.manifest(model, version)])
        if (!(path in index.files)) problems.push(`${path} is not listed in ${BUNDLE_INDEX}`);
    }
  }
  for (const name of index.flagSets)
    if (!(bundlePaths.flagSet(name) in index.files)) problems.push(`${bundlePaths.flagSet(name)} is not listed`);
  if (problems.length) throw new AviaryError(`the bundle is refused: ${problems.join('; ')}`, 'FAILED_PRECONDITION');
  return index;
}
