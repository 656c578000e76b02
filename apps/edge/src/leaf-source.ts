// Models and flags from the local (leaf) nats-server's buckets: the registry's manifests and object store, the
// serving pointers and the flag sets, mirrored from the hub (deploy/nats/edge-mirrors.js) and followed live. The
// agent's telemetry (prediction log, summaries, switch events) goes to the site's telemetry stream through JetStream,
// which stores it and forwards it to the hub.
import { ModelManifest } from '@aviary/contracts';
import { FlagSetStore } from '@aviary/flags-engine/core';
import { BucketWatch, connectNats } from '@aviary/messaging/core';
import { ManifestCache, ModelRegistry, ServingPointers } from '@aviary/model-registry';
import { jetStreamPublish } from '@aviary/site-telemetry';
import { Logger } from '@aviary/telemetry/core';
import { ModelSource } from './model-source';

export async function openLeaf(options: { natsUrl: string; site: string; log: Logger }): Promise<ModelSource> {
  const { log } = options;
  const nc = await connectNats(options.natsUrl, 'edge');
  const registry = await ModelRegistry.open(nc, (problem) => log.warn(problem));
  const manifests = new ManifestCache(registry);
  const listeners: (() => void)[] = [];
  const changed = () => listeners.forEach((listener) => listener());
  manifests.onChange(changed);
  // Read whole before the watch takes over, so the first reconcile sees every model.
  const serving = new Map<string, string>();
  const pointers = await ServingPointers.open(registry);
  for (const [model, pointer] of await pointers.all()) serving.set(model, pointer.version);
  await manifests.start();
  const pointerWatch: BucketWatch = await pointers.watch((model, pointer) => {
    if (pointer) serving.set(model, pointer.version);
    else serving.delete(model);
    changed();
  });
  const flagSets = new FlagSetStore(log);
  await flagSets.follow(nc);
  return {
    manifest: (model, version) => manifests.get(model, version),
    versionsOf: (model) => manifests.versionsOf(model),
    serving: () => serving,
    onnx: (manifest: ModelManifest) => registry.fetchModel(manifest),
    flagSets,
    onChange: (listener) => listeners.push(listener),
    telemetry: jetStreamPublish(nc),
    close: async () => {
      manifests.stop();
      pointerWatch.stop();
      flagSets.stop();
      await nc.drain();
    },
  };
}
