import { FlagSetEntry, FlagSetStore } from './flag-set-store';

const toUtf8 = new TextEncoder();
const setOf = (defaultVariant: string) =>
  JSON.stringify({ flags: { f: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant } } });
const put = (key: string, revision: number, source: string): FlagSetEntry => ({
  key,
  revision,
  operation: 'PUT',
  value: toUtf8.encode(source),
});

function storeWithLog() {
  const errors: object[] = [];
  const store = new FlagSetStore({ info: () => undefined, error: (fields) => errors.push(fields) });
  return { store, errors };
}

describe('FlagSetStore', () => {
  it('serves the latest good revision of each set and knows that revision', () => {
    const { store } = storeWithLog();
    store.apply(put('default', 1, setOf('off')));
    store.apply(put('default', 2, setOf('on')));
    expect(store.get('default')?.revision).toBe(2);
    expect(store.get('default')?.set.evaluate('f').value).toBe(true);
  });

  it('keeps the last good set when a new revision is invalid, and logs the rejection', () => {
    const { store, errors } = storeWithLog();
    store.apply(put('default', 1, setOf('on')));
    store.apply(put('default', 2, setOf('missing')));
    expect(store.get('default')?.revision).toBe(1);
    expect(store.get('default')?.set.evaluate('f').value).toBe(true);
    expect(errors).toEqual([expect.objectContaining({ flagSet: 'default', revision: 2 })]);
  });

  it('drops a deleted set', () => {
    const { store } = storeWithLog();
    store.apply(put('beta', 1, setOf('on')));
    store.apply({ key: 'beta', revision: 2, operation: 'DEL', value: new Uint8Array() });
    expect(store.get('beta')).toBeUndefined();
    expect(store.lookup('beta')).toEqual({ missing: 'flag set "beta" does not exist' });
  });

  it('says why a set that never had a good revision cannot be read', () => {
    const { store } = storeWithLog();
    store.apply(put('beta', 1, '{"flags": {'));
    expect(store.lookup('beta')).toEqual({ broken: expect.stringMatching(/^flag set "beta": invalid flag set: /) });
  });
});

describe('FlagSetStore events', () => {
  const twoFlags = (b: string) =>
    JSON.stringify({
      flags: {
        a: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
        b: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: b },
      },
    });

  function listened() {
    const { store } = storeWithLog();
    const events: object[] = [];
    store.subscribe((event) => events.push(event));
    return { store, events };
  }

  it('announces a loaded revision with the keys whose definition changed', () => {
    const { store, events } = listened();
    store.apply(put('default', 1, twoFlags('on')));
    store.apply(put('default', 2, twoFlags('off')));
    expect(events).toEqual([
      { type: 'changed', flagSet: 'default', revision: 1, flagsChanged: ['a', 'b'] },
      { type: 'changed', flagSet: 'default', revision: 2, flagsChanged: ['b'] },
    ]);
  });

  it('counts added and removed flags as changed, and a deleted set as all its flags changed', () => {
    const { store, events } = listened();
    store.apply(put('default', 1, twoFlags('on')));
    store.apply(put('default', 2, setOf('on')));
    store.apply({ key: 'default', revision: 3, operation: 'DEL', value: new Uint8Array() });
    expect(events.slice(1)).toEqual([
      { type: 'changed', flagSet: 'default', revision: 2, flagsChanged: ['f', 'a', 'b'] },
      { type: 'changed', flagSet: 'default', revision: 3, flagsChanged: ['f'] },
    ]);
  });

  it('announces a rejected revision and changes nothing', () => {
    const { store, events } = listened();
    store.apply(put('default', 1, setOf('on')));
    store.apply(put('default', 2, setOf('missing')));
    expect(events[1]).toEqual({ type: 'rejected', flagSet: 'default', revision: 2, reason: expect.any(String) });
    expect(store.get('default')?.revision).toBe(1);
  });

  it('announces nothing when a fresh watch replays the revisions it already holds', () => {
    const { store, events } = listened();
    store.apply(put('default', 1, setOf('on')));
    store.apply(put('default', 1, setOf('on')));
    expect(events).toHaveLength(1);
  });

  it('is read once caught up, stale when interrupted, and current again when caught up after that', async () => {
    const { store, events } = listened();
    expect(store.status).toBe('reading');
    store.interrupted('NATS connection lost (disconnect)');
    store.caughtUp();
    await store.whenRead();
    store.interrupted('NATS connection lost (disconnect)');
    store.interrupted('NATS connection lost (reconnecting)');
    expect(store.status).toBe('stale');
    store.caughtUp();
    expect(store.status).toBe('current');
    expect(events).toEqual([
      { type: 'current' },
      { type: 'stale', reason: 'NATS connection lost (disconnect)' },
      { type: 'current' },
    ]);
  });

  it('stops telling a listener that unsubscribed', () => {
    const { store } = storeWithLog();
    const events: object[] = [];
    const unsubscribe = store.subscribe((event) => events.push(event));
    unsubscribe();
    store.apply(put('default', 1, setOf('on')));
    expect(events).toEqual([]);
  });
});
