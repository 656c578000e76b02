import { ModelManifest } from '@aviary/contracts';
import { ManifestCache } from './manifest-cache';
import { ManifestChange, ModelRegistry } from './model-registry';

/** A registry whose watch the test drives by hand: what a KV watch delivers, replays included. */
function fakeRegistry() {
  let deliver: (change: ManifestChange) => void = () => undefined;
  const registry = {
    watch: async (onChange: (change: ManifestChange) => void) => {
      deliver = onChange;
      return { stop: () => undefined };
    },
  } as unknown as ModelRegistry;
  return { registry, deliver: (change: ManifestChange) => deliver(change) };
}

const manifest = (version: string, sha256: string) =>
  ({ name: 'm', version, sha256, inputs: [], outputs: [] }) as unknown as ModelManifest;
const put = (version: string, sha256: string): ManifestChange => ({
  kind: 'put',
  name: 'm',
  version,
  manifest: manifest(version, sha256),
});

describe('ManifestCache', () => {
  it('tells listeners of real changes only, not of a watch replaying what it already holds', async () => {
    const { registry, deliver } = fakeRegistry();
    const cache = new ManifestCache(registry);
    const heard: string[] = [];
    cache.onChange((c) =>
      heard.push(c.kind === 'put' ? `put ${c.manifest.version}/${c.manifest.sha256}` : `delete ${c.version}`),
    );
    await cache.start();

    deliver(put('1', 'aa'));
    deliver(put('2', 'bb'));
    // The watch starts over after a reconnect: the same manifests again, parsed anew.
    deliver(put('1', 'aa'));
    deliver(put('2', 'bb'));
    deliver(put('2', 'cc'));
    deliver({ kind: 'delete', name: 'm', version: '1' });
    deliver({ kind: 'delete', name: 'm', version: '1' });

    expect(heard).toEqual(['put 1/aa', 'put 2/bb', 'put 2/cc', 'delete 1']);
    expect(cache.versionsOf('m').map((m) => `${m.version}/${m.sha256}`)).toEqual(['2/cc']);
  });
});
