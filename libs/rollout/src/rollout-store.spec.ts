import { connectNats } from '@aviary/messaging';
import { NatsServer, startNatsServer } from '@aviary/testing';
import { NatsConnection } from 'nats';
import { RolloutRejected } from './rollout-document';
import { CandidateLookup, RolloutAdmin, RolloutStore } from './rollout-store';
import { formatRollout } from './rollout-view';

const document = {
  model: 'flight-delay',
  candidate: '2',
  strategy: {
    canary: {
      steps: [
        { setWeight: 20 },
        {
          analysis: {
            metrics: [
              {
                name: 'success-rate',
                provider: 'builtin',
                interval: '1s',
                count: 2,
                successCondition: 'result >= 0.95',
              },
            ],
          },
        },
        { pause: {} },
      ],
    },
  },
};

const lookup: CandidateLookup = async (model) =>
  model === 'flight-delay'
    ? {
        versions: [
          { version: '1', state: 'serving' },
          { version: '2', state: 'ready' },
          { version: '3', state: 'loading' },
        ],
        servingVersion: '1',
      }
    : undefined;

describe('RolloutAdmin against a real nats-server', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let admin: RolloutAdmin;

  beforeAll(async () => {
    nats = await startNatsServer({});
    nc = await connectNats(nats.url, 'rollout-store-spec');
    admin = new RolloutAdmin(await RolloutStore.open(nc), lookup);
  });

  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it('stores an applied rollout over the serving version, records it as an event and locks the serving pointer', async () => {
    const { status } = await admin.apply(JSON.stringify(document));
    expect(status).toMatchObject({ model: 'flight-delay', stable: '1', candidate: '2', phase: 'Progressing', step: 0 });
    expect((await admin.list()).map((r) => r.status.model)).toEqual(['flight-delay']);
    expect(await admin.servingLock('flight-delay')).toMatch(
      /a rollout of flight-delay version 2 over 1 is Progressing/,
    );
    expect((await admin.history('flight-delay')).map((e) => e.kind)).toEqual(['rollout.applied']);
    expect(formatRollout(await admin.get('flight-delay'))).toMatch(/▶ 0\. setWeight 20\n {4}1\. analysis success-rate/);
  });

  it('runs commands with compare-and-set and publishes each transition once', async () => {
    const { status } = await admin.command('flight-delay', 'abort');
    expect(status).toMatchObject({ phase: 'Degraded', reason: 'aborted by an operator' });
    expect(await admin.servingLock('flight-delay')).toBeUndefined();
    await expect(admin.command('flight-delay', 'abort')).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    const kinds = (await admin.history('flight-delay')).map((e) => e.kind);
    expect(kinds).toEqual(['rollout.applied', 'rollout.phase']);
    await expect(admin.command('iris', 'pause')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('rejects a document with every problem at once: shape and registry facts together', async () => {
    const rejected = await admin
      .apply({ ...document, candidate: '3', strategy: { canary: { steps: [{ setWeight: -1 }] } } })
      .catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(RolloutRejected);
    expect((rejected as RolloutRejected).problems).toEqual([
      { path: 'strategy.canary.steps.0.setWeight', message: expect.any(String) },
      { path: 'candidate', message: 'flight-delay version 3 is loading, not ready on any inference replica' },
    ]);
  });
});
