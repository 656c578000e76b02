// Flags drive models: the version flag model.<name> picks the version of unversioned predict and infer requests for
// each request's context (sticky per targeting key), the kill switch model.<name>.enabled turns a model off or onto
// a fallback version, and `aviary flags ab` reads the arms' metrics from the gateway replicas.
import { connectReadyInferenceClient, ModelInferClient, modelInfer, startStack, Stack, waitFor } from '@aviary/testing';
import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLIGHT, getJson, postJson } from './support';

const versionFlag = {
  state: 'ENABLED',
  variants: { control: '1', challenger: '2' },
  defaultVariant: 'control',
  targeting: {
    if: [
      { '==': [{ var: 'tier' }, 'beta'] },
      'challenger',
      { '==': [{ var: 'targetingKey' }, 'pinned-to-1'] },
      'control',
      { fractional: [{ var: 'targetingKey' }, ['control', 50], ['challenger', 50]] },
    ],
  },
};

describe('version flags and kill switches', () => {
  let stack: Stack;
  let url: string;
  const dir = mkdtempSync(join(tmpdir(), 'aviary-version-flags-'));
  const applyFlags = (flags: object) => {
    const file = join(dir, `flags-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify({ flags }));
    return stack.cli(['flags', 'apply', '-f', file]);
  };
  const predict = (context?: object, headers: Record<string, string> = {}) =>
    postJson(`${url}/v1/models/flight-delay/predict`, { instances: [FLIGHT], ...(context && { context }) }, headers);

  beforeAll(async () => {
    stack = await startStack();
    url = stack.gateway.httpUrl;
    await stack.waitForModel('flight-delay');
    await stack.waitForModel('flight-delay', '1');
  });

  afterAll(() => stack?.stop());

  it('serves the serving version, naming no variant, while the model has no version flag', async () => {
    const answer = await predict({ targetingKey: 'u1' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ model: 'flight-delay', version: '2' });
    expect(answer.body.variant).toBeUndefined();
  });

  it('routes each context to the variant the flag picks, sticky per targeting key, and names it', async () => {
    expect(applyFlags({ 'model.flight-delay': versionFlag })).toMatchObject({ code: 0 });
    await waitFor(
      'the version flag to reach the gateway',
      async () => (await predict({ targetingKey: 'pinned-to-1' })).body.version === '1',
      10_000,
    );
    expect((await predict({ targetingKey: 'u1', tier: 'beta' })).body).toMatchObject({
      version: '2',
      variant: 'challenger',
    });
    expect((await predict({ targetingKey: 'pinned-to-1' })).body).toMatchObject({ version: '1', variant: 'control' });
    // The header names the targeting key when the body has no context.
    expect((await predict(undefined, { 'Aviary-Targeting-Key': 'pinned-to-1' })).body).toMatchObject({ version: '1' });

    const versions = new Map<string, string>();
    for (let i = 0; i < 40; i++) {
      const { body } = await predict({ targetingKey: `user-${i}` });
      versions.set(`user-${i}`, body.version);
      expect(body.variant).toBe(body.version === '1' ? 'control' : 'challenger');
    }
    expect(new Set(versions.values())).toEqual(new Set(['1', '2']));
    for (const [key, version] of versions) expect((await predict({ targetingKey: key })).body.version).toBe(version);
    // An explicit version is never rerouted.
    const explicit = await postJson(`${url}/v1/models/flight-delay/versions/1/predict`, {
      instances: [FLIGHT],
      context: { tier: 'beta' },
    });
    expect(explicit.body).toMatchObject({ version: '1' });
    expect(explicit.body.variant).toBeUndefined();
  });

  it('routes unversioned OIP infer by the targeting key header (REST) and metadata (gRPC)', async () => {
    const width: number = (await getJson(`${url}/v2/models/flight-delay/versions/1`)).body.inputs[0].shape[1];
    const data = Array.from({ length: width }, (_, i) => i / 10);
    const inputs = [{ name: 'features', datatype: 'FP32', shape: [1, width], data }];
    const rest = await postJson(
      `${url}/v2/models/flight-delay/infer`,
      { inputs },
      { 'Aviary-Targeting-Key': 'pinned-to-1' },
    );
    expect(rest.status).toBe(200);
    expect(rest.body).toMatchObject({ model_version: '1', parameters: { variant: 'control' } });

    const client = await connectReadyInferenceClient<ModelInferClient>(stack.gateway.grpcAddress);
    try {
      const metadata = new grpc.Metadata();
      metadata.set('aviary-targeting-key', 'pinned-to-1');
      const request = {
        model_name: 'flight-delay',
        inputs: [{ name: 'features', datatype: 'FP32', shape: [1, width], contents: { fp32_contents: data } }],
      };
      const reply = await modelInfer(client, request, metadata);
      expect(reply).toMatchObject({ model_version: '1', parameters: { variant: { string_param: 'control' } } });
    } finally {
      client.close();
    }
  });

  it('turns a model off for the contexts its kill switch is off for, or serves the fallback it names', async () => {
    const killSwitch = {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'on',
      targeting: { if: [{ '==': [{ var: 'region' }, 'eu'] }, 'off'] },
    };
    expect(applyFlags({ 'model.flight-delay': versionFlag, 'model.flight-delay.enabled': killSwitch })).toMatchObject({
      code: 0,
    });
    await waitFor('the kill switch', async () => (await predict({ region: 'eu' })).status === 503, 10_000);
    expect((await predict({ targetingKey: 'u1', region: 'eu' })).body).toEqual({
      error: 'model "flight-delay" is switched off (flag model.flight-delay.enabled is off)',
    });
    expect((await predict({ targetingKey: 'u1', region: 'us', tier: 'beta' })).body).toMatchObject({ version: '2' });

    const withFallback = { ...killSwitch, metadata: { fallbackVersion: '1' } };
    applyFlags({ 'model.flight-delay': versionFlag, 'model.flight-delay.enabled': withFallback });
    await waitFor('the fallback', async () => (await predict({ region: 'eu' })).status === 200, 10_000);
    expect((await predict({ targetingKey: 'u1', region: 'eu', tier: 'beta' })).body).toMatchObject({ version: '1' });
  });

  it('reports each arm’s requests, errors, latency and predictions (CLI) and counts evaluations (Prometheus)', async () => {
    const ab = stack.cli(['flags', 'ab', 'flight-delay', '--json']);
    expect(ab).toMatchObject({ code: 0 });
    const rows = JSON.parse(ab.stdout);
    expect(rows.map((r: { variant: string }) => r.variant)).toEqual(['challenger', 'control']);
    for (const row of rows) {
      expect(row.requests).toBeGreaterThan(0);
      expect(row.predictions).toBeGreaterThan(0);
      expect(row.latencyMs.p99).toBeGreaterThan(0);
      expect(Object.values(row.labels).reduce((a: number, b) => a + (b as number), 0)).toBeCloseTo(1);
    }
    expect(rows.find((r: { variant: string }) => r.variant === 'control').versions).toEqual(['1']);
    expect(stack.cli(['flags', 'ab', 'flight-delay']).stdout).toMatch(/^variant\s+version\s+requests/);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/aviary_flag_evaluations_total\{[^}]*flag="model\.flight-delay",variant="challenger"/);
    expect(metrics).toMatch(/aviary_variant_requests_total\{[^}]*variant="control",version="1",outcome="ok"/);
  });
});
