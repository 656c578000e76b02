// Shadow traffic: with the model's shadow flag on, unversioned predicts are also sent to the candidate after stable
// has answered; responses stay exactly as without it, and the comparison of the two versions' predictions on the same
// records is read over NATS (subjects.shadowMetrics, as the rollout controller reads it) and from Prometheus.
import { shadowSummarySchema, subjects } from '@aviary/contracts';
import { gatherReplies } from '@aviary/messaging';
import { ShadowRow, shadowReport } from '@aviary/rollout';
import { startStack, Stack, waitFor, workspaceRoot } from '@aviary/testing';
import { connect, NatsConnection } from 'nats';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postJson } from './support';

const MAX_IN_FLIGHT = 16;
const HOLDOUT = readFileSync(join(workspaceRoot(), 'models/flight-delay/1/holdout.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line))
  .map(({ label: _label, ...record }) => record);
/** Version 1 never predicts "late" and version 2 rarely does: the flights they disagree on, found by asking each. */
const DISAGREEMENTS = 6;
/** 60 held-out flights (some the versions disagree on), in requests of 5, each request with its own targeting key. */
let RECORDS: unknown[] = [];
let REQUESTS: unknown[][] = [];

let applied = 0;
/** The shadow flag, its variant named anew each time, so a test sees in the metrics when the change is live. */
const shadowFlag = (version: string, percent: number, state: string) => {
  const variant = `change-${++applied}`;
  const flags = {
    'model.flight-delay.shadow': { state, variants: { [variant]: { version, percent } }, defaultVariant: variant },
  };
  return { flags, evaluated: state === 'ENABLED' ? `variant="${variant}"` : 'variant="",reason="DISABLED"' };
};

describe('shadow traffic', () => {
  let stack: Stack;
  let nc: NatsConnection;
  let url: string;
  const dir = mkdtempSync(join(tmpdir(), 'aviary-shadow-'));
  const applyFlags = (flags: object) => {
    const file = join(dir, `flags-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify({ flags }));
    return stack.cli(['flags', 'apply', '-f', file]);
  };
  /** An answer without its trace id, which differs on every request. */
  const predict = async (instances: unknown[], targetingKey: string) => {
    const { status, body } = await postJson(`${url}/v1/models/flight-delay/predict`, {
      instances,
      context: { targetingKey },
    });
    expect(status).toBe(200);
    const { traceId, ...rest } = body;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    return rest;
  };
  /** The 12 requests one after another: mirrored copies never pile up past the in-flight bound. */
  const predictAll = async () => {
    const answers = [];
    for (const [i, instances] of REQUESTS.entries()) answers.push(await predict(instances, `user-${i}`));
    return answers;
  };
  /** One request per record, all at once. */
  const burst = () => Promise.all(RECORDS.map((record, i) => predict([record], `burst-${i}`)));
  const shadowRows = async (): Promise<ShadowRow[]> => {
    const replies = await gatherReplies(nc, subjects.shadowMetrics('flight-delay'), 500);
    return shadowReport(replies.map((body) => shadowSummarySchema.parse(JSON.parse(Buffer.from(body).toString()))));
  };
  /** Applies the shadow flag and waits until the gateway evaluates it. */
  const applyShadow = async (version: string, percent: number, state = 'ENABLED') => {
    const { flags, evaluated } = shadowFlag(version, percent, state);
    expect(applyFlags(flags)).toMatchObject({ code: 0 });
    const series = `flag="model.flight-delay.shadow",${evaluated}`;
    await waitFor(
      `the shadow flag's ${evaluated}`,
      async () => {
        await postJson(`${url}/v1/models/flight-delay/predict`, { instances: REQUESTS[0] });
        return (await (await fetch(`${url}/metrics`)).text()).includes(series);
      },
      15_000,
    );
  };
  /** Every copy sent has been answered or has failed. */
  const settled = async () => {
    const r = await row('1');
    return r !== undefined && r.sent === r.answered + r.errors;
  };
  const row = async (candidate: string) => (await shadowRows()).find((r) => r.candidate === candidate);

  beforeAll(async () => {
    stack = await startStack({ env: { AVIARY_SHADOW_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT) } });
    url = stack.gateway.httpUrl;
    await stack.waitForModel('flight-delay', '1');
    await stack.waitForModel('flight-delay', '2');
    nc = await connect({ servers: stack.natsUrl });
    const labels = async (version: string): Promise<string[]> => {
      const found: string[] = [];
      // In requests of 500, well under NATS's message size limit.
      for (let i = 0; i < HOLDOUT.length; i += 500) {
        const { status, body } = await postJson(`${url}/v1/models/flight-delay/versions/${version}/predict`, {
          instances: HOLDOUT.slice(i, i + 500),
        });
        expect(status).toBe(200);
        found.push(...body.predictions.map((p: { label: string }) => p.label));
      }
      return found;
    };
    const [one, two] = [await labels('1'), await labels('2')];
    const differ = HOLDOUT.filter((_, i) => one[i] !== two[i]).slice(0, DISAGREEMENTS);
    expect(differ).toHaveLength(DISAGREEMENTS);
    RECORDS = [...differ, ...HOLDOUT.filter((_, i) => one[i] === two[i]).slice(0, 60 - DISAGREEMENTS)];
    REQUESTS = Array.from({ length: 12 }, (_, i) => RECORDS.slice(i * 5, i * 5 + 5));
  });

  afterAll(async () => {
    await nc?.close();
    await stack?.stop();
  });

  it('answers exactly as without shadow, and compares candidate 1 with stable 2 on the same records', async () => {
    const without = await predictAll();
    expect(without[0]).toMatchObject({ model: 'flight-delay', version: '2' });
    expect(await shadowRows()).toEqual([]);

    await applyShadow('1', 100);
    await waitFor('the probes to be compared', settled, 15_000);
    const before = (await row('1'))!;

    const withShadow = await predictAll();
    expect(withShadow).toEqual(without);

    await waitFor('every record to be compared', settled, 15_000);
    const after = (await row('1'))!;
    expect(after).toMatchObject({ stable: '2', candidate: '1', errors: 0, dropped: 0, scoreKind: 'probability' });
    expect(after.records - before.records).toBe(RECORDS.length);
    expect(after.agreements - before.agreements).toBe(RECORDS.length - DISAGREEMENTS);
    expect(after.agreementRate).toBeLessThan(1);
    expect(after.meanAbsScoreDiff).toBeGreaterThan(0);
    expect(after.psi).toBeGreaterThan(0);
    expect(after.latencyMs!.p50).toBeGreaterThan(0);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    const pair = 'model="flight-delay",stable="2",candidate="1"';
    expect(metrics).toContain(`aviary_shadow_requests_total{${pair},outcome="ok"`);
    expect(metrics).toMatch(new RegExp(`aviary_shadow_records_total\\{${pair}[^}]*\\} ${after.records}\\n`));
    expect(metrics).toContain(`aviary_shadow_agreements_total{${pair}`);
    expect(metrics).toContain(`aviary_shadow_psi{${pair}`);
    // prom-client puts the default label (service) first in histograms.
    expect(metrics).toMatch(
      new RegExp(`aviary_shadow_score_abs_difference_count\\{[^}]*${pair}\\} ${after.records}\\n`),
    );
    expect(metrics).toContain(`aviary_shadow_duration_seconds_bucket{`);
  });

  it('mirrors only the share asked, the same targeting keys every time', async () => {
    await applyShadow('1', 30);
    // A request at 30 % is mirrored or not by its key alone: send the same 12 keys twice, count mirrored requests.
    const start = (await row('1'))!.sent;
    await predictAll();
    const once = (await row('1'))!.sent - start;
    await predictAll();
    const twice = (await row('1'))!.sent - start;
    expect(once).toBeGreaterThan(0);
    expect(once).toBeLessThan(12);
    expect(twice).toBe(2 * once);
  });

  it('leaves responses unchanged when the candidate fails slowly, dropping copies past the in-flight bound', async () => {
    const without = await burst();
    const inference = stack.processes.find((p) => p.service === 'inference')!;
    await inference.stop();
    await stack.startService('inference', { AVIARY_FAULT_INJECTION: 'flight-delay:1:errors=1,latencyMs=3000' });
    await stack.waitForModel('flight-delay', '2');
    await applyShadow('1', 100);
    const before = (await row('1'))!;

    // 60 at once, each copy held 3 s by the candidate: past 16 in flight, copies are dropped.
    expect(await burst()).toEqual(without);

    await waitFor('the mirrored copies to fail', async () => (await row('1'))!.errors > before.errors, 20_000);
    const after = (await row('1'))!;
    expect(after.dropped).toBeGreaterThan(before.dropped);
    expect(after.answered).toBe(before.answered);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/aviary_shadow_requests_total\{[^}]*candidate="1",outcome="dropped"/);
    expect(metrics).toMatch(/aviary_shadow_requests_total\{[^}]*candidate="1",outcome="error"/);
  });

  it('shadows nothing once the flag is disabled', async () => {
    await applyShadow('1', 100, 'DISABLED');
    const before = (await row('1'))!;
    await predictAll();
    const after = (await row('1'))!;
    expect(after.sent + after.dropped).toBe(before.sent + before.dropped);
  });
});
