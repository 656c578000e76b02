import { EventDetails, OpenFeature, ProviderEvents, ProviderStatus } from '@openfeature/server-sdk';
import { FlagSetEntry, FlagSetStore } from './flag-set-store';
import { AviaryFlagProvider } from './provider';

const toUtf8 = new TextEncoder();
const put = (key: string, revision: number, document: object | string): FlagSetEntry => ({
  key,
  revision,
  operation: 'PUT',
  value: toUtf8.encode(typeof document === 'string' ? document : JSON.stringify(document)),
});
const flags = (greeting: string) => ({
  metadata: { team: 'ml' },
  flags: {
    greeting: { state: 'ENABLED', variants: { hi: 'hi', yo: 'yo' }, defaultVariant: greeting },
    vip: {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: { if: [{ '==': [{ var: 'tier' }, 'gold'] }, 'on', null] },
      metadata: { owner: 'ana' },
    },
    unset: { state: 'ENABLED', variants: { on: true, off: false }, targeting: { if: [false, 'on'] } },
    retired: { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
  },
});
const silent = { info: () => undefined, error: () => undefined };

let domains = 0;

/** A provider over an in-memory store that the test feeds as a KV watch would, with every event its client hears. */
async function providerOver(store: FlagSetStore, options: { read?: boolean } = {}) {
  const domain = `provider-spec-${domains++}`;
  const provider = new AviaryFlagProvider({ store, logger: silent });
  const client = OpenFeature.getClient(domain);
  const events: [string, EventDetails][] = [];
  for (const type of [ProviderEvents.ConfigurationChanged, ProviderEvents.Stale, ProviderEvents.Error])
    client.addHandler(type, (details) => events.push([type, details as EventDetails]));
  if (options.read !== false) store.caughtUp();
  const ready = OpenFeature.setProviderAndWait(domain, provider);
  client.addHandler(ProviderEvents.Ready, (details) => events.push([ProviderEvents.Ready, details as EventDetails]));
  return { provider, client, events, ready };
}

const storeWith = (...entries: FlagSetEntry[]) => {
  const store = new FlagSetStore(silent);
  for (const entry of entries) store.apply(entry);
  return store;
};

afterAll(() => OpenFeature.close());

describe('AviaryFlagProvider', () => {
  it('is READY once the store has read the bucket, and not before', async () => {
    const store = storeWith(put('default', 1, flags('hi')));
    const { client, ready } = await providerOver(store, { read: false });
    let settled = false;
    void ready.then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    store.caughtUp();
    await ready;
    expect(client.providerStatus).toBe(ProviderStatus.READY);
  });

  it('answers from the set with flagd-core’s value, variant, reason and the flag’s metadata', async () => {
    const { client, ready } = await providerOver(storeWith(put('default', 1, flags('hi'))));
    await ready;
    expect(await client.getBooleanDetails('vip', false, { tier: 'gold' })).toMatchObject({
      value: true,
      variant: 'on',
      reason: 'TARGETING_MATCH',
      flagMetadata: { team: 'ml', owner: 'ana' },
    });
    expect(await client.getStringDetails('greeting', 'x')).toMatchObject({ value: 'hi', reason: 'STATIC' });
  });

  it('gives the caller’s default for a disabled flag (DISABLED) and for a rule that picks no variant', async () => {
    const { client, ready } = await providerOver(storeWith(put('default', 1, flags('hi'))));
    await ready;
    expect(await client.getBooleanDetails('retired', false)).toMatchObject({ value: false, reason: 'DISABLED' });
    expect(await client.getBooleanDetails('unset', true)).toMatchObject({ value: true, reason: 'DEFAULT' });
    expect((await client.getBooleanDetails('unset', true)).variant).toBeUndefined();
  });

  it('answers TYPE_MISMATCH for a boolean asked of a string flag, and FLAG_NOT_FOUND for an unknown flag', async () => {
    const { client, ready } = await providerOver(storeWith(put('default', 1, flags('hi'))));
    await ready;
    expect(await client.getBooleanDetails('greeting', true)).toMatchObject({
      value: true,
      reason: 'ERROR',
      errorCode: 'TYPE_MISMATCH',
    });
    expect(await client.getNumberDetails('nope', 7)).toMatchObject({ value: 7, errorCode: 'FLAG_NOT_FOUND' });
  });

  it('is READY without the set, answering FLAG_NOT_FOUND until it appears with all its flags changed', async () => {
    const store = storeWith();
    const { client, events, ready } = await providerOver(store);
    await ready;
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    expect(await client.getStringDetails('greeting', 'x')).toMatchObject({
      value: 'x',
      errorCode: 'FLAG_NOT_FOUND',
      errorMessage: 'flag set "default" does not exist',
    });
    store.apply(put('default', 1, flags('yo')));
    expect(events.map(([type, d]) => [type, d.flagsChanged])).toEqual([
      [ProviderEvents.Ready, undefined], // handlers added after READY run once at once
      [ProviderEvents.ConfigurationChanged, ['greeting', 'vip', 'unset', 'retired']],
    ]);
    expect(await client.getStringValue('greeting', 'x')).toBe('yo');
  });

  it('announces CONFIGURATION_CHANGED with the changed keys, and nothing for a rejected revision', async () => {
    const store = storeWith(put('default', 1, flags('hi')));
    const { client, events, ready } = await providerOver(store);
    await ready;
    store.apply(put('default', 2, flags('yo')));
    store.apply(put('default', 3, { flags: { greeting: { state: 'ENABLED', variants: {}, defaultVariant: 'gone' } } }));
    store.apply(put('other', 1, flags('hi')));
    expect(events.slice(1).map(([type, d]) => [type, d.flagsChanged])).toEqual([
      [ProviderEvents.ConfigurationChanged, ['greeting']],
    ]);
    expect(await client.getStringValue('greeting', 'x')).toBe('yo');
    expect(client.providerStatus).toBe(ProviderStatus.READY);
  });

  it('goes STALE when the connection drops, answering from the last set, and READY once the watch is current', async () => {
    const store = storeWith(put('default', 1, flags('hi')));
    const { client, events, ready } = await providerOver(store);
    await ready;
    store.interrupted('NATS connection lost (disconnect)');
    expect(client.providerStatus).toBe(ProviderStatus.STALE);
    expect(await client.getStringDetails('greeting', 'x')).toMatchObject({ value: 'hi', reason: 'STATIC' });
    // What the fresh watch replays after the reconnect: a revision made during the outage, then "caught up".
    store.apply(put('default', 2, flags('yo')));
    store.caughtUp();
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    expect(events.slice(1)).toEqual([
      [ProviderEvents.Stale, expect.objectContaining({ message: 'NATS connection lost (disconnect)' })],
      [ProviderEvents.ConfigurationChanged, expect.objectContaining({ flagsChanged: ['greeting'] })],
      [ProviderEvents.Ready, expect.anything()],
    ]);
  });

  it('is in ERROR while its set never had a valid revision, answering PARSE_ERROR, and READY once one loads', async () => {
    const store = storeWith(put('default', 1, '{"flags": {'));
    const { client, events, ready } = await providerOver(store);
    await expect(ready).rejects.toThrow(/flag set "default": invalid flag set/);
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);
    expect(await client.getBooleanDetails('vip', true)).toMatchObject({ value: true, errorCode: 'PARSE_ERROR' });
    store.apply(put('default', 2, flags('hi')));
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    expect(events.map(([type]) => type)).toEqual([
      ProviderEvents.Error,
      ProviderEvents.Ready,
      ProviderEvents.ConfigurationChanged,
    ]);
  });

  it('goes to ERROR when a set that was missing arrives invalid', async () => {
    const store = storeWith();
    const { client, events, ready } = await providerOver(store);
    await ready;
    store.apply(put('default', 1, '{"flags": {'));
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);
    expect(events[1]).toEqual([ProviderEvents.Error, expect.objectContaining({ errorCode: 'PARSE_ERROR' })]);
  });

  it('fails with the reason when the bucket cannot be read', async () => {
    const connection = {
      jetstream: () => {
        throw new Error('JetStream not enabled');
      },
    };
    const provider = new AviaryFlagProvider({ connection: connection as never, logger: silent });
    await expect(OpenFeature.setProviderAndWait('provider-spec-fatal', provider)).rejects.toThrow(
      'cannot read flag set "default" from NATS: JetStream not enabled',
    );
    expect(OpenFeature.getClient('provider-spec-fatal').providerStatus).toBe(ProviderStatus.ERROR);
  });
});
