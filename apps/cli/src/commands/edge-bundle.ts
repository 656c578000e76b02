// `aviary edge bundle --model NAME[@VERSION] ... --out DIR`: what an edge agent needs to serve offline, from the
// registry (each model's serving version unless one is named), with the model flag set and sha256 checksums.
import { AviaryError, buckets, ModelManifest, rejectionReason } from '@aviary/contracts';
import { BundleVersion, bundleFiles } from '@aviary/edge';
import { openKv } from '@aviary/messaging';
import { compareVersions, ModelRegistry, ServingPointers } from '@aviary/model-registry';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface EdgeBundleRequest {
  /** NAME or NAME@VERSION. */
  models: string[];
  /** The version of a single --model without @VERSION. */
  version?: string;
  out: string;
  flagSet: string;
}

export async function writeEdgeBundle(registry: ModelRegistry, request: EdgeBundleRequest): Promise<string[]> {
  if (request.version !== undefined && request.models.length > 1)
    throw new AviaryError(
      '--version goes with a single --model; name each version as --model NAME@VERSION',
      'INVALID_ARGUMENT',
    );
  const pointers = await ServingPointers.open(registry);
  const versions: BundleVersion[] = [];
  const serving: Record<string, string> = {};
  for (const asked of request.models) {
    const [name, pinned = request.version] = asked.split('@');
    const manifest =
      pinned === undefined ? await servingManifest(registry, pointers, name) : await registry.get(name, pinned);
    versions.push({ manifest, onnx: await registry.fetchModel(manifest) });
    // The model's serving version serves at the edge too; with only pinned versions, the first one named.
    if (pinned === undefined || !(name in serving)) serving[name] = manifest.version;
  }
  const flags = await openKv(registry.connection.jetstream(), buckets.flags);
  const entry = await flags.get(request.flagSet);
  const flagSets = entry?.operation === 'PUT' ? { [request.flagSet]: entry.string() } : {};
  const files = bundleFiles({ versions, serving, flagSets, createdAt: new Date().toISOString() });
  for (const [path, bytes] of files) {
    const file = join(request.out, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, bytes);
  }
  return [
    ...versions.map(({ manifest: m }) => `bundled: ${m.name} version ${m.version} (sha256 ${m.sha256.slice(0, 12)})`),
    Object.keys(flagSets).length
      ? `bundled: flag set ${request.flagSet}`
      : `no flag set "${request.flagSet}" to bundle`,
    `wrote ${files.size} files to ${request.out}`,
  ];
}

/** The serving version, or without one the newest version that passed its gate. */
async function servingManifest(
  registry: ModelRegistry,
  pointers: ServingPointers,
  name: string,
): Promise<ModelManifest> {
  const pointer = await pointers.get(name);
  if (pointer) return registry.get(name, pointer.version);
  const newest = (await registry.list())
    .filter((m) => m.name === name && !rejectionReason(m))
    .sort((a, b) => compareVersions(b.version, a.version))[0];
  if (!newest) throw new AviaryError(`unknown model "${name}"`, 'NOT_FOUND');
  return newest;
}
