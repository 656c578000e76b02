// Models and flags from a bundle directory made by `aviary edge bundle`, checked whole against bundle.json's
// checksums before anything loads: a tampered or half-copied bundle is refused, naming every file that differs.
import { ModelManifest, modelManifestSchema, versionKey } from '@aviary/contracts';
import { BUNDLE_INDEX, bundlePaths, sha256, verifyBundle } from '@aviary/edge';
import { FlagSetStore } from '@aviary/flags-engine/core';
import { Logger } from '@aviary/telemetry/core';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelSource } from './model-source';

export function openBundle(dir: string, log: Logger): ModelSource {
  const read = (path: string) => (existsSync(join(dir, path)) ? readFileSync(join(dir, path)) : undefined);
  const indexBytes = read(BUNDLE_INDEX);
  if (!indexBytes)
    throw new Error(`${join(dir, BUNDLE_INDEX)} not found: is ${dir} a bundle made by \`aviary edge bundle\`?`);
  const index = verifyBundle(indexBytes.toString('utf8'), read);
  const manifests = new Map<string, ModelManifest>();
  const graphs = new Map<string, Uint8Array>();
  const serving = new Map<string, string>();
  for (const [model, { serving: version, versions }] of Object.entries(index.models)) {
    serving.set(model, version);
    for (const v of versions) {
      const json = (path: string) => JSON.parse((read(path) as Buffer).toString('utf8')) as unknown;
      const specPath = bundlePaths.featureSpec(model, v);
      const manifest = modelManifestSchema.parse({
        ...(json(bundlePaths.manifest(model, v)) as object),
        ...(specPath in index.files && { featureSpec: json(specPath) }),
      });
      manifests.set(versionKey(model, v), manifest);
      graphs.set(versionKey(model, v), read(bundlePaths.onnx(model, v)) as Buffer);
    }
  }
  const flagSets = new FlagSetStore(log);
  for (const name of index.flagSets)
    flagSets.apply({ key: name, operation: 'PUT', revision: 1, value: read(bundlePaths.flagSet(name)) as Buffer });
  flagSets.caughtUp();
  log.info({ bundle: dir, models: Object.keys(index.models), createdAt: index.createdAt }, 'bundle verified');
  return {
    manifest: (model, version) => manifests.get(versionKey(model, version)),
    versionsOf: (model) => [...manifests.values()].filter((m) => m.name === model),
    serving: () => serving,
    onnx: async (manifest) => {
      const bytes = graphs.get(versionKey(manifest.name, manifest.version)) as Uint8Array;
      // bundle.json vouches for the file; the manifest's own sha256 for the graph it describes.
      if (sha256(bytes) !== manifest.sha256)
        throw new Error(`${manifest.name} version ${manifest.version}: the graph does not match its manifest's sha256`);
      return bytes;
    },
    flagSets,
    onChange: () => undefined,
    close: async () => undefined,
  };
}
