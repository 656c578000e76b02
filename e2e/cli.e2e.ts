// The `aviary` CLI as a user runs it: push a new version and see it serve without restarting anything;
// bad pushes are rejected with the reason and never become routable.
import { parseJsonLines } from '@aviary/evaluation';
import { applyFeatureSpec, parseFeatureSpec, tensorsToRecords } from '@aviary/features';
import { ModelSession } from '@aviary/inference-engine';
import { connectReadyInferenceClient, startStack, Stack, waitFor, workspaceRoot } from '@aviary/testing';
import * as grpc from '@grpc/grpc-js';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLIGHT, getJson, postJson } from './support';

describe('aviary CLI', () => {
  let stack: Stack;
  const bundle = join(workspaceRoot(), 'models', 'flight-delay', '2');
  const predict = () => postJson(`${stack.gateway.httpUrl}/v1/models/flight-delay/predict`, { instances: [FLIGHT] });
  /** Pushes the flight-delay v2 bundle's model under another version, with extra CLI flags. */
  const pushFlightDelay = (version: string, ...flags: string[]) =>
    stack.cli(['models', 'push', join(bundle, 'model.onnx'), '--name', 'flight-delay', '--version', version, ...flags]);

  beforeAll(async () => {
    stack = await startStack({ services: ['inference', 'preprocessor', 'rollout-controller', 'gateway'] });
    await stack.waitForModel('flight-delay');
  });

  afterAll(() => stack?.stop());

  it('lists every version with its state', () => {
    const result = stack.cli(['models', 'list']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/flight-delay\s+1\s+ready\s+1/);
    expect(result.stdout).toMatch(/flight-delay\s+2\s+serving\s+1/);
    expect(result.stdout).toMatch(/penguin-species\s+1\s+serving/);
    const json = JSON.parse(stack.cli(['models', 'list', '--json']).stdout);
    expect(
      json.find((v: { name: string; version: string }) => v.name === 'flight-delay' && v.version === '2'),
    ).toMatchObject({
      state: 'serving',
      readyReplicas: 1,
      metrics: { test: { auc: expect.any(Number) } },
    });
  });

  it('rejects a file that is not ONNX, and a checksum that does not match, without touching what serves', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aviary-cli-'));
    writeFileSync(join(dir, 'broken.onnx'), 'this is not a model');
    const broken = stack.cli(['models', 'push', join(dir, 'broken.onnx'), '--name', 'flight-delay', '--version', '7']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/not a loadable ONNX model/);
    const mismatch = pushFlightDelay('8', '--sha256', '0'.repeat(64));
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(/checksum mismatch/);
    const list = stack.cli(['models', 'list']).stdout;
    expect(list).not.toMatch(/flight-delay\s+[78]\s/);
  });

  it('serves a newly pushed version within seconds, without restarting anything', async () => {
    const pushedAt = Date.now();
    const push = pushFlightDelay(
      '3',
      '--spec',
      join(bundle, 'feature-spec.json'),
      '--metrics',
      join(bundle, 'metrics.json'),
      '--serve',
    );
    expect(push.stderr).toBe('');
    expect(push.stdout).toMatch(/pushed: flight-delay version 3/);
    expect(push.stdout).toMatch(/serving: flight-delay version 3 \(was 2\)/);
    await waitFor('version 3 to take traffic', async () => (await predict()).body.version === '3', 10_000);
    expect(Date.now() - pushedAt).toBeLessThan(10_000);
    for (const p of stack.processes) expect(p.child.exitCode).toBeNull();
  });

  it('predicts on raw records for a model pushed without a feature spec, keys matched to its inputs', async () => {
    const penguins = join(workspaceRoot(), 'models', 'penguin-species', '1', 'model.onnx');
    expect(stack.cli(['models', 'push', penguins, '--name', 'bare-penguins', '--version', '1', '--serve']).code).toBe(
      0,
    );
    await stack.waitForModel('bare-penguins');
    const features = Array.from({ length: 12 }, (_, i) => (i % 3) - 1);
    const predict = (body: unknown) => postJson(`${stack.gateway.httpUrl}/v1/models/bare-penguins/predict`, body);
    const ok = await predict({ instances: [{ features }, { features: features.map((f) => -f) }] });
    expect(ok.status).toBe(200);
    expect(ok.body.predictions).toHaveLength(2);
    expect(ok.body.predictions[0]).toEqual({ label: expect.any(Number), probabilities: expect.any(Array) });
    expect(ok.body.predictions[0].probabilities).toHaveLength(3);
    expect(await predict({ instances: [{ features, colour: 'red' }] })).toMatchObject({
      status: 400,
      body: { error: 'unknown input "colour" (row 0); expected: features' },
    });
    expect(await predict({ instances: [{}] })).toMatchObject({
      status: 400,
      body: { error: 'missing input "features" (row 0)' },
    });
    expect(await predict({ instances: [{ features: [1, 2] }] })).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/needs 12 values/) },
    });
  });

  describe('a model pushed for the first time', () => {
    const penguins = join(workspaceRoot(), 'models', 'penguin-species', '1');
    const [record] = (
      parseJsonLines(readFileSync(join(penguins, 'holdout.jsonl'), 'utf8'), 'holdout.jsonl') as Record<
        string,
        unknown
      >[]
    ).map(({ label: _label, ...fields }) => fields);
    const pushPenguins = (name: string, version: string, ...flags: string[]) =>
      stack.cli([
        'models',
        'push',
        join(penguins, 'model.onnx'),
        '--name',
        name,
        '--version',
        version,
        '--spec',
        join(penguins, 'feature-spec.json'),
        ...flags,
      ]);
    const predictOn = (name: string) =>
      postJson(`${stack.gateway.httpUrl}/v1/models/${name}/predict`, { instances: [record] });

    it('answers without any serve command; a second version stays ready and the push says how to promote it', async () => {
      const first = pushPenguins('new-penguins', '1');
      expect(first.stderr).toBe('');
      expect(first.stdout).toMatch(/^pushed: new-penguins version 1 .*; serving: new-penguins version 1$/m);
      await waitFor('new-penguins to answer', async () => (await predictOn('new-penguins')).status === 200, 30_000);
      expect((await predictOn('new-penguins')).body).toMatchObject({ model: 'new-penguins', version: '1' });

      const second = pushPenguins('new-penguins', '2');
      expect(second.stderr).toBe('');
      expect(second.stdout).toMatch(
        /^pushed: new-penguins version 2 .*; ready — promote with aviary models serve new-penguins 2$/m,
      );
      await stack.waitForModel('new-penguins', '2');
      expect((await predictOn('new-penguins')).body.version).toBe('1');
    });

    it('stays unserved when pushed with --no-serve', async () => {
      const pushed = pushPenguins('held-penguins', '1', '--no-serve');
      expect(pushed.stderr).toBe('');
      expect(pushed.stdout).toMatch(/; ready — promote with aviary models serve held-penguins 1$/m);
      await stack.waitForModel('held-penguins', '1');
      expect((await predictOn('held-penguins')).status).toBe(503);
      const listed = JSON.parse(stack.cli(['models', 'list', '--json']).stdout) as { name: string; state: string }[];
      expect(listed.find((v) => v.name === 'held-penguins')?.state).toBe('ready');

      // Metadata and readiness answer for a model nothing serves: the newest ready version, and not ready.
      const url = stack.gateway.httpUrl;
      const metadata = await getJson(`${url}/v2/models/held-penguins`);
      expect(metadata.status).toBe(200);
      expect(metadata.body).toMatchObject({ name: 'held-penguins', versions: ['1'], platform: 'onnxruntime' });
      expect(metadata.body.inputs).toHaveLength(1);
      expect(await getJson(`${url}/v2/models/held-penguins/ready`)).toMatchObject({
        status: 400,
        body: { name: 'held-penguins', ready: false },
      });
      expect(await getJson(`${url}/v2/models/held-penguins/versions/1/ready`)).toMatchObject({
        status: 200,
        body: { ready: true },
      });
      const client = await connectReadyInferenceClient<grpc.Client>(stack.gateway.grpcAddress);
      try {
        type Unary = (request: object, done: (error: Error | null, response: object) => void) => void;
        const call = (method: string, request: object) =>
          new Promise<object>((resolve, reject) =>
            (client as unknown as Record<string, Unary>)[method].call(client, request, (error, response) =>
              error ? reject(error) : resolve(response),
            ),
          );
        expect(await call('ModelReady', { name: 'held-penguins' })).toEqual({ ready: false });
        expect(await call('ModelMetadata', { name: 'held-penguins' })).toMatchObject({
          name: 'held-penguins',
          versions: ['1'],
        });
      } finally {
        client.close();
      }
    });
  });

  it('compares two versions on the same labelled records', () => {
    const holdout = join(workspaceRoot(), 'models', 'flight-delay', '1', 'holdout.jsonl');
    const result = stack.cli(['models', 'compare', 'flight-delay', '1', '2', '--eval', holdout]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/metric\s+flight-delay v1\s+flight-delay v2/);
    const auc = result.stdout
      .split('\n')
      .find((l) => l.startsWith('auc'))!
      .split(/\s+/)
      .slice(1)
      .map(Number);
    expect(auc[0]).toBeCloseTo(0.6019, 3);
    expect(auc[1]).toBeCloseTo(0.6473, 3);
    expect(result.stdout).toMatch(/rows\s+4000\s+4000/);
  });

  it('reports the version each model serves through the rollout controller', async () => {
    await waitFor(
      'the controller to see version 3',
      async () =>
        JSON.parse(stack.cli(['rollout', 'status']).stdout).models.some(
          (m: { servingVersion: string }) => m.servingVersion === '3',
        ),
      10_000,
    );
    const status = JSON.parse(stack.cli(['rollout', 'status']).stdout);
    expect(status.models.find((m: { model: string }) => m.model === 'penguin-species')).toMatchObject({
      servingVersion: '1',
    });
  });

  describe('quality gate', () => {
    const holdout = join(bundle, 'holdout.jsonl');
    const pushV2As = (version: string, gate: string) =>
      pushFlightDelay(version, '--spec', join(bundle, 'feature-spec.json'), '--eval', holdout, '--gate', gate);

    it('stores a version below its gate as rejected, with the figures that failed, and never routes to it', async () => {
      const before = (await predict()).body.version;
      const pushed = pushV2As('20', 'auc >= 0.70');
      expect(pushed.code).toBe(1);
      expect(pushed.stderr).toMatch(/rejected by its quality gate \(auc >= 0.70\): auc 0\.647\d* fails >= 0\.7/);
      expect(stack.cli(['models', 'list']).stdout).toMatch(
        /flight-delay\s+20\s+rejected\s+0\s+\S+\s+.*quality gate: auc 0\.647/,
      );
      const explicit = await postJson(`${stack.gateway.httpUrl}/v1/models/flight-delay/versions/20/predict`, {
        instances: [FLIGHT],
      });
      expect(explicit).toMatchObject({
        status: 409,
        body: { error: expect.stringMatching(/rejected by its quality gate/) },
      });
      const serve = stack.cli(['models', 'serve', 'flight-delay', '20']);
      expect(serve.code).toBe(1);
      expect(serve.stderr).toMatch(/rejected by its quality gate .* it cannot serve/);
      await new Promise((r) => setTimeout(r, 1000));
      expect((await predict()).body.version).toBe(before);
    });

    it('lets a version that passes its gate become ready, and take traffic only once it is made the serving one', async () => {
      const pushed = pushV2As('21', 'auc >= 0.60 and accuracy >= 0.75');
      expect(pushed.stderr).toBe('');
      expect(pushed.stdout).toMatch(/on 4000 rows .* auc=0\.647\d .*gate "auc >= 0.60 and accuracy >= 0.75" passed/);
      await stack.waitForModel('flight-delay', '21');
      expect(stack.cli(['models', 'list']).stdout).toMatch(/flight-delay\s+21\s+ready\s+1/);
      expect((await predict()).body.version).toBe('3');
      expect(stack.cli(['models', 'serve', 'flight-delay', '21']).stdout).toMatch(
        /serving: flight-delay version 21 \(was 3\)/,
      );
      await waitFor('version 21 to take traffic', async () => (await predict()).body.version === '21', 10_000);
      expect(stack.cli(['models', 'list']).stdout).toMatch(/flight-delay\s+21\s+serving\s+1/);
    });
  });

  describe('regression model', () => {
    const carBundle = join(workspaceRoot(), 'models', 'car-mpg', '1');
    const holdoutFile = join(carBundle, 'holdout.jsonl');
    const heldOutRmse: number = JSON.parse(readFileSync(join(carBundle, 'metrics.json'), 'utf8')).test.rmse;
    const cars = (parseJsonLines(readFileSync(holdoutFile, 'utf8'), 'holdout.jsonl') as Record<string, unknown>[])
      .slice(0, 12)
      .map(({ label: _label, ...car }) => car);
    /** Pushes the car-mpg bundle's graph under a model name and version, with extra CLI flags. */
    const pushCarGraph = (name: string, version: string, ...flags: string[]) =>
      stack.cli(['models', 'push', join(carBundle, 'model.onnx'), '--name', name, '--version', version, ...flags]);
    const pushCarMpg = (version: string, gate: string) =>
      pushCarGraph(
        'car-mpg',
        version,
        '--spec',
        join(carBundle, 'feature-spec.json'),
        '--eval',
        holdoutFile,
        '--gate',
        gate,
      );
    const predictCars = (version: string) =>
      postJson(`${stack.gateway.httpUrl}/v1/models/car-mpg/versions/${version}/predict`, { instances: cars });

    /** What ONNX Runtime gives in this process for the same records, through the same spec. */
    async function inProcessValues(): Promise<number[]> {
      const spec = parseFeatureSpec(JSON.parse(readFileSync(join(carBundle, 'feature-spec.json'), 'utf8')));
      const session = await ModelSession.load(readFileSync(join(carBundle, 'model.onnx')));
      try {
        const [value] = await session.run(applyFeatureSpec(spec, cars));
        return Array.from(value.data as Float32Array);
      } finally {
        await session.release();
      }
    }

    it('passes an RMSE gate, becomes ready and answers one value per record, as ONNX Runtime does in-process', async () => {
      const gate = `rmse <= ${(heldOutRmse + 0.05).toFixed(2)}`;
      const pushed = pushCarMpg('2', gate);
      expect(pushed.stderr).toBe('');
      expect(pushed.stdout).toMatch(new RegExp(`on 80 rows .* rmse=${heldOutRmse.toFixed(4)} .*gate "${gate}" passed`));
      await stack.waitForModel('car-mpg', '2');
      expect(stack.cli(['models', 'list']).stdout).toMatch(/car-mpg\s+2\s+ready\s+1\s+\S+\s+rmse=3\.136 r2=0\.844/);
      const response = await predictCars('2');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ model: 'car-mpg', version: '2' });
      const expected = await inProcessValues();
      expect(response.body.predictions).toHaveLength(expected.length);
      response.body.predictions.forEach((p: { value: number }, i: number) => {
        expect(Object.keys(p)).toEqual(['value']);
        expect(Math.abs(p.value - expected[i])).toBeLessThanOrEqual(1e-5);
      });
    });

    it('stores a version that fails its RMSE gate as rejected, with the figure, and never routes to it', async () => {
      const pushed = pushCarMpg('3', 'RMSE <= 3.0');
      expect(pushed.code).toBe(1);
      expect(pushed.stderr).toMatch(/rejected by its quality gate \(RMSE <= 3.0\): rmse 3\.1358 fails <= 3/);
      expect(stack.cli(['models', 'list']).stdout).toMatch(
        /car-mpg\s+3\s+rejected\s+0\s+.*quality gate: rmse 3\.1358 fails <= 3/,
      );
      expect(await predictCars('3')).toMatchObject({
        status: 409,
        body: { error: expect.stringMatching(/rejected by its quality gate/) },
      });
      const unversioned = await postJson(`${stack.gateway.httpUrl}/v1/models/car-mpg/predict`, { instances: cars });
      expect(unversioned.body.version).toBe('1');
    });

    it('refuses a gate on a figure a regressor does not have, naming the ones it has, and stores nothing', () => {
      const pushed = pushCarMpg('4', 'auc >= 0.7');
      expect(pushed.code).toBe(1);
      expect(pushed.stderr).toMatch(
        /the gate needs auc, which this evaluation does not measure; it measures: rmse, mae, r2, meanBaselineRmse/,
      );
      expect(stack.cli(['models', 'list']).stdout).not.toMatch(/car-mpg\s+4\s/);
    });

    describe('pushed without a feature spec', () => {
      /**
       * The held-out cars as the graph alone reads them, {"features": [10 numbers], "label": mpg}, written through the
       * bundle's spec, so the figures must be the ones the bundle scores with its spec.
       */
      function writeFeatureRecords(): string {
        const spec = parseFeatureSpec(JSON.parse(readFileSync(join(carBundle, 'feature-spec.json'), 'utf8')));
        const held = parseJsonLines(readFileSync(holdoutFile, 'utf8'), 'holdout.jsonl') as Record<string, unknown>[];
        const features = tensorsToRecords(
          applyFeatureSpec(
            spec,
            held.map(({ label: _label, ...car }) => car),
          ),
        );
        const file = join(mkdtempSync(join(tmpdir(), 'aviary-bare-car-mpg-')), 'features.jsonl');
        writeFileSync(file, features.map((row, i) => JSON.stringify({ ...row, label: held[i].label })).join('\n'));
        return file;
      }
      let evalSet: string;
      const pushBare = (version: string, gate: string) =>
        pushCarGraph('bare-car-mpg', version, '--eval', evalSet, '--gate', gate);

      beforeAll(() => {
        evalSet = writeFeatureRecords();
      });

      it("scores its one FP32 [N,1] output as a regressor, records keyed by its input, passes an RMSE gate and serves as its model's first version", async () => {
        const pushed = pushBare('1', 'rmse <= 3.2');
        expect(pushed.stderr).toBe('');
        expect(pushed.stdout).toMatch(
          new RegExp(`on 80 rows .* rmse=${heldOutRmse.toFixed(4)} .*gate "rmse <= 3.2" passed`),
        );
        await stack.waitForModel('bare-car-mpg', '1');
        expect(stack.cli(['models', 'list']).stdout).toMatch(
          /bare-car-mpg\s+1\s+serving\s+1\s+\S+\s+rmse=3\.136 r2=0\.844/,
        );
      });

      it('stores a version that fails its RMSE gate as rejected and answers 409 for it', async () => {
        const pushed = pushBare('2', 'rmse <= 3.0');
        expect(pushed.code).toBe(1);
        expect(pushed.stderr).toMatch(/rejected by its quality gate \(rmse <= 3.0\): rmse 3\.1358 fails <= 3/);
        const features = Array.from({ length: 10 }, () => 0);
        const explicit = await postJson(`${stack.gateway.httpUrl}/v1/models/bare-car-mpg/versions/2/predict`, {
          instances: [{ features }],
        });
        expect(explicit).toMatchObject({
          status: 409,
          body: { error: expect.stringMatching(/rejected by its quality gate/) },
        });
      });

      it('refuses a gate on a classifier figure, naming the regression ones, and stores nothing', () => {
        const pushed = pushBare('3', 'accuracy >= 0.5');
        expect(pushed.code).toBe(1);
        expect(pushed.stderr).toMatch(
          /the gate needs accuracy, which this evaluation does not measure; it measures: rmse, mae, r2, meanBaselineRmse/,
        );
        expect(stack.cli(['models', 'list']).stdout).not.toMatch(/bare-car-mpg\s+3\s/);
      });

      it('compares two versions by their regression figures', () => {
        const result = stack.cli(['models', 'compare', 'bare-car-mpg', '1', '2', '--eval', evalSet]);
        expect(result.stderr).toBe('');
        expect(result.stdout).toMatch(/metric\s+bare-car-mpg v1\s+bare-car-mpg v2/);
        expect(result.stdout).toMatch(/rmse\s+3\.1358\s+3\.1358/);
        expect(result.stdout).toMatch(/r2\s+0\.84\d\d\s+0\.84\d\d/);
        expect(result.stdout).toMatch(/rows\s+80\s+80/);
      });
    });
  });
});
