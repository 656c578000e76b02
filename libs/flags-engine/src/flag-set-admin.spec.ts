import { AviaryError } from '@aviary/contracts';
import { connectNats } from '@aviary/messaging';
import { NatsServer, startNatsServer } from '@aviary/testing';
import { NatsConnection } from 'nats';
import { FlagSetRejected } from './flag-set';
import { FlagSetAdmin } from './flag-set-admin';
import { ModelVersionState } from './model-flag-check';

const flag = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' };
const first = JSON.stringify({ flags: { beta: flag } }, null, 2);
const second = JSON.stringify({ flags: { beta: { ...flag, defaultVariant: 'on' }, extra: flag } });
const versions: ModelVersionState[] = [{ name: 'flight-delay', version: '1', state: 'serving' }];

describe('FlagSetAdmin against a real nats-server', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let admin: FlagSetAdmin;

  beforeAll(async () => {
    nats = await startNatsServer({});
    nc = await connectNats(nats.url, 'flag-set-admin-spec');
    admin = await FlagSetAdmin.open(nc, async () => versions);
  });

  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it('applies, diffs, keeps the history as events and rolls back to a byte-equal document', async () => {
    const applied = await admin.apply({ set: 'history', document: first });
    expect(applied).toMatchObject({
      previousRevision: null,
      diff: [{ flag: 'beta', change: 'added' }],
      unchanged: false,
    });
    expect(await admin.diff('history', second)).toEqual({
      revision: applied.revision,
      diff: [
        { flag: 'beta', change: 'changed', fields: ['defaultVariant'] },
        { flag: 'extra', change: 'added' },
      ],
    });
    const changed = await admin.apply({ set: 'history', document: second });
    expect(await admin.apply({ set: 'history', document: second })).toMatchObject({ unchanged: true });

    const back = await admin.rollback({ set: 'history', to: applied.revision });
    expect((await admin.get('history')).document).toBe(first);
    expect((await admin.get('history', changed.revision)).document).toBe(second);
    expect((await admin.history('history')).map((r) => [r.revision, r.kind])).toEqual([
      [applied.revision, 'flags.applied'],
      [changed.revision, 'flags.applied'],
      [back.revision, 'flags.rolledBack'],
    ]);
    const [, , event] = await admin.log('history');
    expect(event).toMatchObject({
      set: 'history',
      previousRevision: changed.revision,
      rolledBackTo: applied.revision,
      flags: ['beta', 'extra'],
      document: first,
      lenient: false,
      actor: null,
    });
    expect(await admin.list()).toContainEqual({ set: 'history', revision: back.revision });
  });

  it('rejects an invalid set whole, listing every problem, and writes nothing', async () => {
    const bad = JSON.stringify({ flags: { a: { ...flag, defaultVariant: 'x' }, b: { ...flag, state: 'ON' } } });
    const error = await admin.apply({ set: 'invalid', document: bad }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlagSetRejected);
    expect((error as FlagSetRejected).problems.map((p) => p.path)).toEqual([
      '/flags/a/defaultVariant',
      '/flags/b/state',
    ]);
    await expect(admin.get('invalid')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await admin.log('invalid')).toEqual([]);
  });

  it('lets exactly one of two concurrent applies from the same revision win (compare-and-set)', async () => {
    const base = await admin.apply({ set: 'race', document: first });
    const results = await Promise.allSettled([
      admin.apply({ set: 'race', document: second, expectedRevision: base.revision }),
      admin.apply({
        set: 'race',
        document: JSON.stringify({ flags: { other: flag } }),
        expectedRevision: base.revision,
      }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(AviaryError);
    expect(lost.reason).toMatchObject({ code: 'FAILED_PRECONDITION' });
    expect(await admin.history('race')).toHaveLength(2);
  });

  it('refuses a model version flag naming a version that is not ready', async () => {
    const models = JSON.stringify({
      flags: {
        'model.flight-delay': { state: 'ENABLED', variants: { stable: '1', next: '2' }, defaultVariant: 'stable' },
      },
    });
    await expect(admin.apply({ set: 'models', document: models })).rejects.toMatchObject({
      problems: [{ flag: 'model.flight-delay', path: '/flags/model.flight-delay/variants/next' }],
    });
    const withTypo = JSON.stringify({
      flags: { ...JSON.parse(models).flags, typo: { ...flag, defaultVariant: 'of' } },
    });
    await expect(admin.apply({ set: 'models', document: withTypo })).rejects.toMatchObject({
      problems: [{ flag: 'typo' }, { flag: 'model.flight-delay' }],
    });
  });

  it('deletes a set and records it', async () => {
    await admin.apply({ set: 'gone', document: first });
    await admin.remove('gone');
    await expect(admin.get('gone')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await admin.history('gone')).map((r) => r.kind)).toEqual(['flags.applied', 'flags.deleted']);
    expect((await admin.apply({ set: 'gone', document: first })).unchanged).toBe(false);
  });

  it('refuses operators the rollout controller’s reserved set, which the controller alone writes', async () => {
    await expect(admin.apply({ set: 'rollouts', document: first })).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      message: expect.stringMatching(/written by the rollout controller alone/),
    });
    const controller = await FlagSetAdmin.open(nc, async () => versions, { writesRolloutSet: true });
    expect(await controller.apply({ set: 'rollouts', document: first })).toMatchObject({ unchanged: false });
    await expect(admin.remove('rollouts')).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
  });
});
