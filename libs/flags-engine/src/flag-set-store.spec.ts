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
