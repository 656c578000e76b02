// Feature toggles, live: a version whose feature spec puts `enabledBy` on a transform gets that transform's fitted
// default instead of the record's value wherever the flag is off for the request's context, as the flag is flipped
// with the CLI. The test calls the preprocessor's NATS subject with context runs and also listens on the inference
// subject, so it sees the exact tensor the model received.
import { decodeTensors, OP_HEADER, PredictRecordsReply, subjects } from '@aviary/contracts';
import { fitFeatureSpec, NumericTransform, PipelineDefinition } from '@aviary/features';
import { decodeJson, encodeJson, NatsRpc } from '@aviary/messaging';
import { startStack, Stack, waitFor } from '@aviary/testing';
import { connect, NatsConnection, Subscription } from 'nats';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportLinearRegressor } from '../tools/train/src/onnx-export';

const MODEL = 'toggled-distance';
const FLAG = 'toggle.distance';
/** The preprocessor reads its toggles from this set, not the default one. */
const MODEL_FLAG_SET = 'models';

const definition: PipelineDefinition = {
  inputs: [
    { name: 'distance', type: 'number' },
    { name: 'origin', type: 'string' },
  ],
  transforms: [
    { kind: 'numeric', input: 'distance', enabledBy: FLAG },
    { kind: 'categorical', input: 'origin' },
  ],
  prediction: { task: 'regression', valueOutput: 'value' },
};
const spec = fitFeatureSpec(definition, [
  { distance: 100, origin: 'ORD' },
  { distance: 300, origin: 'ATL' },
  { distance: 500, origin: 'ORD' },
  { distance: 2000, origin: 'SEA' },
]);
const numeric = spec.transforms[0] as NumericTransform;
const standardized = (distance: number) => Math.fround((distance - numeric.mean) / numeric.std);
/** What the distance column holds when the toggle is off: the fitted median, standardized. */
const DEFAULT = standardized(numeric.impute);

const record = { distance: 1500, origin: 'SEA' };
const ON = [standardized(1500), 0, 0, 1, 0];
const OFF = [DEFAULT, 0, 0, 1, 0];
const byContext = {
  records: [record, record, record],
  contexts: [
    { context: { targetingKey: 'beta' }, records: 1 },
    { context: { targetingKey: 'ana' }, records: 2 },
  ],
};

const toggle = (targeting?: object, defaultVariant = 'on') => ({
  [FLAG]: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant, ...(targeting && { targeting }) },
});
const betaOff = toggle({ if: [{ '==': [{ var: 'targetingKey' }, 'beta'] }, 'off', 'on'] });

describe('feature toggles', () => {
  let stack: Stack;
  let nc: NatsConnection;
  let rpc: NatsRpc;
  let snoop: Subscription;
  /** Every input tensor the model received, as rows, oldest first. */
  const modelInputs: number[][][] = [];
  const dir = mkdtempSync(join(tmpdir(), 'aviary-toggles-'));

  const putFlags = (flags: object) => {
    const file = join(dir, 'flags.json');
    writeFileSync(file, JSON.stringify({ flags }));
    const result = stack.cli(['flags', 'apply', '-f', file, '--set', MODEL_FLAG_SET]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
  };

  /** Predicts through the preprocessor; answers the predicted values and the rows of the tensor the model saw. */
  const predict = async (body: object) => {
    const seen = modelInputs.length;
    const reply = await rpc.request(subjects.predict(MODEL, '1'), encodeJson(body), { timeoutMs: 10_000 });
    const { predictions } = decodeJson(reply, 'predict reply') as PredictRecordsReply;
    expect(modelInputs.length).toBe(seen + 1);
    return { values: (predictions as { value: number }[]).map((p) => p.value), rows: modelInputs[seen] };
  };
  const distanceColumns = async (body: object) => (await predict(body)).rows.map((row) => row[0]);

  beforeAll(async () => {
    stack = await startStack({
      services: ['inference', 'preprocessor', 'gateway'],
      seed: false,
      env: { AVIARY_MODEL_FLAG_SET: MODEL_FLAG_SET },
    });
    // value = the distance column, so the prediction itself shows what the model got for the toggled feature.
    const width = spec.featureNames.length;
    const weights = new Float32Array(width);
    weights[0] = 1;
    const onnx = exportLinearRegressor(
      { inputs: width, weights, bias: 0 },
      { modelName: MODEL, modelVersion: 1, inputName: 'features', valueOutput: 'value' },
    );
    writeFileSync(join(dir, 'model.onnx'), onnx);
    writeFileSync(join(dir, 'feature-spec.json'), JSON.stringify(spec));
    const push = stack.cli([
      'models',
      'push',
      join(dir, 'model.onnx'),
      '--name',
      MODEL,
      '--version',
      '1',
      '--spec',
      join(dir, 'feature-spec.json'),
      '--serve',
    ]);
    expect(push).toMatchObject({ code: 0, stderr: '' });
    nc = await connect({ servers: stack.natsUrl });
    rpc = new NatsRpc(nc);
    await waitFor(
      `${MODEL} to serve`,
      () =>
        rpc.request(subjects.predict(MODEL, '1'), encodeJson({ records: [record] }), { timeoutMs: 2000 }).then(
          () => true,
          () => false,
        ),
      60_000,
    );
    // Subscribed only now: a listener counts as a responder, so it would turn "not loaded yet" into a timeout.
    snoop = nc.subscribe(subjects.infer(MODEL, '1'), {
      callback: (error, message) => {
        if (error) throw error;
        if (message.headers?.get(OP_HEADER)) return; // the gateway's readiness probes carry no tensors
        const [tensor] = decodeTensors(message.data).tensors;
        const [rows, columns] = tensor.shape;
        const data = Array.from(tensor.data as Float32Array);
        modelInputs.push(Array.from({ length: rows }, (_, r) => data.slice(r * columns, (r + 1) * columns)));
      },
    });
  });

  afterAll(async () => {
    snoop?.unsubscribe();
    await nc?.close();
    await stack?.stop();
  });

  it('keeps the feature on while the model flag set does not exist', async () => {
    expect(spec.featureNames).toEqual(['distance', 'origin=ORD', 'origin=ATL', 'origin=SEA', 'origin=<other>']);
    const { values, rows } = await predict(byContext);
    expect(rows).toEqual([ON, ON, ON]);
    expect(values).toEqual([ON[0], ON[0], ON[0]]);
  });

  it("gives the toggled column its fitted default only for the contexts the flag turns off, per request's context", async () => {
    putFlags(betaOff);
    await waitFor(
      'the flag to reach the preprocessor',
      async () => (await distanceColumns(byContext))[0] === DEFAULT,
      10_000,
    );
    const { values, rows } = await predict(byContext);
    // beta's record reads as if its distance were missing; ana's two records, and every other column, are untouched.
    expect(rows).toEqual([OFF, ON, ON]);
    expect(values).toEqual([DEFAULT, ON[0], ON[0]]);
    // No contexts: one empty context, which the rule does not send to "off".
    expect((await predict({ records: [record] })).rows).toEqual([ON]);
  });

  it('turns the feature off for everyone, then back on, as the flag flips', async () => {
    putFlags(toggle(undefined, 'off'));
    await waitFor('the flag to turn off', async () => (await distanceColumns(byContext))[2] === DEFAULT, 10_000);
    expect((await predict(byContext)).rows).toEqual([OFF, OFF, OFF]);
    expect((await predict({ records: [record] })).rows).toEqual([OFF]);

    putFlags(toggle(undefined, 'on'));
    await waitFor('the flag to turn on', async () => (await distanceColumns(byContext))[0] !== DEFAULT, 10_000);
    expect((await predict(byContext)).rows).toEqual([ON, ON, ON]);
  });

  it('keeps the feature on when the set lacks the flag, and counts every evaluation with its reason', async () => {
    putFlags(betaOff);
    await waitFor(
      'the flag to reach the preprocessor',
      async () => (await distanceColumns(byContext))[0] === DEFAULT,
      10_000,
    );
    putFlags({ 'something.else': { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' } });
    await waitFor('the flag to disappear', async () => (await distanceColumns(byContext))[0] !== DEFAULT, 10_000);
    expect((await predict(byContext)).rows).toEqual([ON, ON, ON]);

    const [preprocessor] = stack.processes.filter((p) => p.service === 'preprocessor');
    const metrics = await (await fetch(`${preprocessor.httpUrl}/metrics`)).text();
    /** The counter's value for these labels, whatever other labels (service) the registry adds. */
    const count = (enabled: boolean, reason: string) => {
      const labels = [`model="${MODEL}"`, `flag="${FLAG}"`, `enabled="${enabled}"`, `reason="${reason}"`];
      const line = metrics
        .split('\n')
        .find((l) => l.startsWith('aviary_feature_toggle_evaluations_total{') && labels.every((x) => l.includes(x)));
      return Number(line?.split(' ').pop() ?? 0);
    };
    expect(count(true, 'FLAG_SET_MISSING')).toBeGreaterThan(0);
    expect(count(false, 'TARGETING_MATCH')).toBeGreaterThan(0);
    expect(count(true, 'TARGETING_MATCH')).toBeGreaterThan(0);
    expect(count(false, 'STATIC')).toBeGreaterThan(0);
    expect(count(true, 'FLAG_NOT_FOUND')).toBeGreaterThan(0);
  });

  it("reaches the toggles from the gateway's predict: each request's body context, batched or not", async () => {
    putFlags(betaOff);
    const rest = (targetingKey: string) =>
      fetch(`${stack.gateway.httpUrl}/v1/models/${MODEL}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instances: [record], context: { targetingKey } }),
      }).then(async (r) => ((await r.json()) as { predictions: { value: number }[] }).predictions[0].value);
    await waitFor('the flag through the gateway', async () => (await rest('beta')) === DEFAULT, 10_000);
    // Sent together, they may share one preprocessor call: each keeps its own context.
    const values = await Promise.all(['beta', 'ana', 'beta', 'ana'].map(rest));
    expect(values).toEqual([DEFAULT, ON[0], DEFAULT, ON[0]]);
  });

  it('refuses context runs that do not cover the records', async () => {
    const body = { records: [record, record], contexts: [{ context: {}, records: 1 }] };
    await expect(
      rpc.request(subjects.predict(MODEL, '1'), encodeJson(body), { timeoutMs: 10_000 }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('contexts: must cover every record in order: they cover 1, there are 2'),
    });
  });
});
