// Predict calls for several versions of one model in one preprocessor message (what the gateway sends when a rollout
// splits a model's traffic), which the preprocessor sends on to inference as one message too: each version is answered
// on its own, so one version's failure stays its requests' alone.
import {
  decodeVersionParts,
  encodeVersionParts,
  PredictRecordsReply,
  PredictVersionsReply,
  subjects,
} from '@aviary/contracts';
import { decodeJson, encodeJson, NatsRpc } from '@aviary/messaging';
import { pushFaultyFlightDelay, startStack, Stack } from '@aviary/testing';
import { connect, NatsConnection } from 'nats';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLIGHT, postJson } from './support';

const MODEL = 'flight-delay';
/** Longer than the faulty version's threshold: version 3 fails on it, 1 and 2 do not. */
const LONG_FLIGHT = { ...FLIGHT, distance: 2500 };

describe('predict across versions in one message', () => {
  let stack: Stack;
  let nc: NatsConnection;
  let rpc: NatsRpc;
  const dir = mkdtempSync(join(tmpdir(), 'aviary-predict-versions-'));

  const predictOne = async (version: string, records: unknown[]) =>
    decodeJson(
      await rpc.request(subjects.predict(MODEL, version), encodeJson({ records }), { timeoutMs: 10_000 }),
      'predict reply',
    ) as PredictRecordsReply;

  beforeAll(async () => {
    stack = await startStack({ services: ['inference', 'preprocessor', 'gateway'] });
    await stack.waitForModel(MODEL, '1');
    await stack.waitForModel(MODEL, '2');
    await pushFaultyFlightDelay(stack, dir, '3');
    nc = await connect({ servers: stack.natsUrl });
    rpc = new NatsRpc(nc);
  });

  afterAll(async () => {
    await nc?.close();
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers each version's records as a one-version call does, and a failing or unknown version on its own", async () => {
    const body = {
      versions: [
        { version: '1', request: { records: [FLIGHT, LONG_FLIGHT] } },
        { version: '3', request: { records: [LONG_FLIGHT] } },
        { version: '2', request: { records: [FLIGHT], contexts: [{ context: { targetingKey: 'ana' }, records: 1 }] } },
        { version: '9', request: { records: [FLIGHT] } },
      ],
    };
    // A plain subscription sees every message the queue group's replicas take.
    const shared = nc.subscribe(subjects.inferVersions(MODEL));
    await nc.flush();
    const reply = await rpc.request(subjects.predictVersions(MODEL), encodeJson(body), { timeoutMs: 10_000 });
    await nc.flush();
    shared.unsubscribe();
    const { versions } = decodeJson(reply, 'predict reply') as PredictVersionsReply;
    // Versions 1, 3 and 2 passed their feature specs and reached inference in one message; 9 has no manifest.
    expect(shared.getReceived()).toBe(1);
    expect(versions).toHaveLength(4);
    expect(versions[0]).toEqual(await predictOne('1', [FLIGHT, LONG_FLIGHT]));
    expect(versions[1]).toEqual({
      error: { code: 'INTERNAL', message: expect.stringContaining('flight-delay version 3 failed on valid records') },
    });
    expect(versions[2]).toEqual(await predictOne('2', [FLIGHT]));
    expect(versions[3]).toEqual({ error: { code: 'NOT_FOUND', message: expect.stringContaining('"9"') } });
  });

  it("answers, on inference's shared subject, a version it does not hold as absent and bad tensors as that part's error", async () => {
    const garbage = new Uint8Array([1, 2, 3]);
    const reply = await rpc.request(
      subjects.inferVersions(MODEL),
      encodeVersionParts([
        { version: '1', body: garbage },
        { version: '9', body: garbage },
      ]),
      { timeoutMs: 10_000 },
    );
    expect(decodeVersionParts(reply)).toEqual([
      { version: '1', error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('tensor envelope') } },
      { version: '9', absent: true },
    ]);
  });

  it('refuses a message without versions with a clear error', async () => {
    await expect(
      rpc.request(subjects.predictVersions(MODEL), encodeJson({ versions: [] }), { timeoutMs: 10_000 }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('at least one version') });
  });

  it('keeps a failing version to its own requests when requests for two versions arrive together at the gateway', async () => {
    const url = `${stack.gateway.httpUrl}/v1/models/${MODEL}/versions`;
    const lone = await postJson(`${url}/1/predict`, { instances: [LONG_FLIGHT] });
    expect(lone.status).toBe(200);
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        postJson(`${url}/${i % 2 ? '3' : '1'}/predict`, { instances: [LONG_FLIGHT] }),
      ),
    );
    answers.forEach((answer, i) => {
      if (i % 2) expect(answer.status).toBe(500);
      else expect(answer.body).toMatchObject({ version: '1', predictions: lone.body.predictions });
    });
  });

  it('fails only the request with a bad record when requests for two versions share a message', async () => {
    const url = `${stack.gateway.httpUrl}/v1/models/${MODEL}/versions`;
    const alone = (await postJson(`${url}/2/predict`, { instances: [FLIGHT] })).body.predictions;
    const shared = nc.subscribe(subjects.predictVersions(MODEL));
    await nc.flush();
    // Whether requests share a message depends on how they arrive, so bursts repeat (bounded) until one does; every
    // burst must answer each request correctly either way.
    for (let burst = 0; burst < 5 && shared.getReceived() === 0; burst++) {
      const answers = await Promise.all([
        ...Array.from({ length: 16 }, (_, i) =>
          postJson(`${url}/${i % 2 ? '2' : '1'}/predict`, { instances: [FLIGHT] }),
        ),
        postJson(`${url}/2/predict`, { instances: [{ ...FLIGHT, distance: 'far' }] }),
      ]);
      answers
        .slice(0, 16)
        .forEach((answer, i) => expect(answer).toMatchObject({ status: 200, body: { version: i % 2 ? '2' : '1' } }));
      expect(answers.filter((_, i) => i % 2 === 1 && i < 16).map((a) => a.body.predictions)).toEqual(
        new Array(8).fill(alone),
      );
      expect(answers[16]).toMatchObject({
        status: 400,
        body: { error: expect.stringMatching(/"distance".*\(row 0\)/) },
      });
      await nc.flush();
    }
    shared.unsubscribe();
    expect(shared.getReceived()).toBeGreaterThan(0);
  });
});
