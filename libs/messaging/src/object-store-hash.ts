// nats.js digests every object-store put and get with a bundled pure-JS SHA-256 (about 75 MB/s here, 14 % of a
// batch worker's CPU). This hands its object store node:crypto's instead (about 1.8 GB/s): the same digest, so
// objects written either way read back either way. The library offers no option for it, hence the swap of the one
// export it calls; a nats release that moves it fails at start-up here, not with wrong digests later.
import { createHash } from 'node:crypto';

interface Sha256Module {
  sha256: { create(): { update(data: Uint8Array): unknown; digest(): ArrayLike<number> } };
}

let installed = false;

/** Makes nats.js's object store hash with node:crypto; idempotent. */
export function useNativeObjectStoreHash(): void {
  if (installed) return;
  const bundled = require('nats/lib/nats-base-client/js-sha256') as Sha256Module;
  if (typeof bundled.sha256?.create !== 'function')
    throw new Error('nats.js no longer hashes objects through js-sha256.sha256.create; update object-store-hash.ts');
  bundled.sha256 = {
    create() {
      const hash = createHash('sha256');
      return {
        update(data: Uint8Array) {
          hash.update(data);
          return this;
        },
        digest: () => hash.digest(),
      };
    },
  };
  installed = true;
}
