// Flag-set administration as an operator uses it: the CLI and the gateway's REST admin API over the same KV bucket
// and event log. Apply, diff, history and rollback (byte-equal, and OFREP follows), an invalid set listed whole and
// changing no answer, compare-and-set between concurrent applies, model version flags checked against the registry.
import { startStack, Stack, waitFor, workspaceRoot } from '@aviary/testing';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonResponse, postJson } from './support';

const FLAG_SET_HEADER = 'Aviary-Flag-Set';
const flag = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' };
/** Indented on purpose: a rollback must restore the file byte for byte, not an equivalent JSON. */
const first = `${JSON.stringify({ flags: { beta: flag } }, null, 4)}\n`;
const second = JSON.stringify({ flags: { beta: { ...flag, defaultVariant: 'on' }, extra: flag } });

describe('flag-set administration', () => {
  let stack: Stack;
  const dir = mkdtempSync(join(tmpdir(), 'aviary-flags-admin-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const cli = (...args: string[]) => stack.cli(['flags', ...args]);
  const admin = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${stack.gateway.httpUrl}/v1/admin${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...init.headers },
    });
    const answer: JsonResponse = { status: response.status, body: await response.json(), headers: response.headers };
    return answer;
  };
  const beta = async (set: string) =>
    (
      await postJson(
        `${stack.gateway.httpUrl}/ofrep/v1/evaluate/flags/beta`,
        { context: {} },
        { [FLAG_SET_HEADER]: set },
      )
    ).body.value;

  beforeAll(async () => {
    stack = await startStack({ services: ['inference', 'preprocessor', 'gateway'] });
  });

  afterAll(() => stack?.stop());

  it('applies, diffs, records history and rolls back to the first document byte for byte, with OFREP following', async () => {
    const applied = cli('apply', '-f', file('first.json', first), '--set', 'cli');
    expect(applied).toMatchObject({ code: 0, stdout: expect.stringMatching(/revision (\d+)\n\+ beta/) });
    const firstRevision = Number(/revision (\d+)/.exec(applied.stdout)?.[1]);
    expect(cli('get', '--set', 'cli').stdout).toBe(first);
    await waitFor('the first revision to reach OFREP', async () => (await beta('cli')) === false, 10_000);

    const diff = cli('diff', '-f', file('second.json', second), '--set', 'cli');
    expect(diff).toMatchObject({ code: 0, stdout: expect.stringContaining('~ beta: defaultVariant\n+ extra') });
    expect(cli('apply', '-f', join(dir, 'second.json'), '--set', 'cli').code).toBe(0);
    await waitFor('the change to reach OFREP', async () => (await beta('cli')) === true, 10_000);

    const history = cli('history', '--set', 'cli').stdout.trim().split('\n');
    expect(history).toEqual([
      expect.stringMatching(new RegExp(`\\s${firstRevision}\\s+flags\\.applied\\s+beta$`)),
      expect.stringMatching(/flags\.applied\s+beta, extra$/),
    ]);

    const rolledBack = cli('rollback', '--to', String(firstRevision), '--set', 'cli');
    expect(rolledBack).toMatchObject({ code: 0, stdout: expect.stringContaining('~ beta: defaultVariant\n- extra') });
    expect(cli('get', '--set', 'cli').stdout).toBe(first);
    expect(cli('get', '--set', 'cli', '--revision', String(firstRevision)).stdout).toBe(first);
    await waitFor('the rollback to reach OFREP', async () => (await beta('cli')) === false, 10_000);
    expect(cli('history', '--set', 'cli').stdout).toMatch(
      new RegExp(`flags\\.rolledBack\\s+beta, extra\\s+\\(document of revision ${firstRevision}\\)`),
    );
  });

  it('rejects an invalid set with every problem on its own line, and changes no answer', async () => {
    cli('apply', '-f', file('good.json', first), '--set', 'guarded');
    await waitFor('the set to reach OFREP', async () => (await beta('guarded')) === false, 10_000);
    const broken = JSON.stringify({
      flags: {
        beta: { ...flag, defaultVariant: 'on' },
        typo: { ...flag, defaultVariant: 'of' },
        rule: { ...flag, targeting: { if: [{ nope: [1] }, 'on', 'off'] } },
        ref: { ...flag, targeting: { if: [{ $ref: 'staff' }, 'on', 'off'] } },
      },
    });
    const result = cli('apply', '-f', file('broken.json', broken), '--set', 'guarded');
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')).toEqual(
      expect.arrayContaining([
        'aviary: invalid flag set (3 problems):',
        'typo  /flags/typo/defaultVariant  default variant "of" is not one of the variants (on, off)',
        expect.stringMatching(/^rule {2}\/flags\/rule\/targeting\/if\/0 {2}unknown operator or property "nope"/),
        'ref  /flags/ref/targeting/if/0  $ref "staff" names no entry of $evaluators',
      ]),
    );
    const rest = await admin('/flag-sets/guarded', { method: 'PUT', body: broken });
    expect(rest.status).toBe(400);
    expect(rest.body.problems.map((p: { flag: string }) => p.flag)).toEqual(['typo', 'rule', 'ref']);
    // Lenient loads the schema-only problems (as flagd does) but still refuses what flagd cannot load.
    expect(cli('apply', '-f', join(dir, 'broken.json'), '--set', 'guarded', '--lenient').stderr).toContain(
      '(1 problems)',
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(await beta('guarded')).toBe(false);
  });

  it('serves the same administration over REST, with If-Match for compare-and-set', async () => {
    const put = await admin('/flag-sets/rest', { method: 'PUT', body: first });
    expect(put).toMatchObject({
      status: 200,
      body: { revision: expect.any(Number), diff: [{ flag: 'beta', change: 'added' }] },
    });
    const v1 = put.body.revision as number;
    const got = await admin('/flag-sets/rest');
    expect(got).toMatchObject({ status: 200, body: { revision: v1, document: JSON.parse(first) } });
    expect(got.headers.get('etag')).toBe(`"${v1}"`);
    expect((await admin('/flag-sets')).body.flagSets).toContainEqual({ set: 'rest', revision: v1 });
    expect((await admin('/flag-sets/rest/diff', { method: 'POST', body: second })).body).toEqual({
      revision: v1,
      diff: [
        { flag: 'beta', change: 'changed', fields: ['defaultVariant'] },
        { flag: 'extra', change: 'added' },
      ],
    });

    // Two writers that both read revision v1: exactly one wins, the other gets 409.
    const racing = await Promise.all(
      [second, JSON.stringify({ flags: { other: flag } })].map((body) =>
        admin('/flag-sets/rest', { method: 'PUT', body, headers: { 'if-match': `"${v1}"` } }),
      ),
    );
    expect(racing.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(racing.find((r) => r.status === 409)?.body.error).toMatch(/flag set "rest"/);

    const back = await admin('/flag-sets/rest/rollback', { method: 'POST', body: JSON.stringify({ to: v1 }) });
    expect(back).toMatchObject({ status: 200, body: { previousRevision: v1 + 1 } });
    expect((await admin('/flag-sets/rest')).body.document).toEqual(JSON.parse(first));
    expect((await admin(`/flag-sets/rest?revision=${v1 + 1}`)).status).toBe(200);
    expect((await admin('/flag-sets/rest/history')).body.revisions.map((r: { kind: string }) => r.kind)).toEqual([
      'flags.applied',
      'flags.applied',
      'flags.rolledBack',
    ]);
    expect((await admin('/flag-sets/rest/log')).body.events).toHaveLength(3);
    expect((await admin('/events?kind=flags')).body.events.length).toBeGreaterThanOrEqual(3);
    expect((await admin('/flag-sets/nope')).status).toBe(404);
  });

  it('refuses a model version flag naming a version that is missing or rejected by its quality gate', async () => {
    await stack.waitForModel('flight-delay', '2');
    const bundle = join(workspaceRoot(), 'models', 'flight-delay', '2');
    const gated = stack.cli([
      ...['models', 'push', join(bundle, 'model.onnx'), '--name', 'flight-delay', '--version', '20'],
      ...['--spec', join(bundle, 'feature-spec.json'), '--eval', join(bundle, 'holdout.jsonl')],
      ...['--gate', 'auc >= 0.99'],
    ]);
    expect(gated.stderr).toMatch(/rejected by its quality gate/);
    const versionFlag = (variants: Record<string, string>) =>
      JSON.stringify({ flags: { 'model.flight-delay': { state: 'ENABLED', variants, defaultVariant: 'stable' } } });

    const refused = cli(
      'apply',
      '-f',
      file('models.json', versionFlag({ stable: '1', ghost: '99', bad: '20' })),
      '--set',
      'models',
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'model.flight-delay  /flags/model.flight-delay/variants/ghost  variant "ghost" names version "99" of model "flight-delay", which does not exist',
    );
    expect(refused.stderr).toMatch(
      /variants\/bad {2}variant "bad" names version "20" of model "flight-delay", which is rejected/,
    );
    expect(cli('apply', '-f', file('ok.json', versionFlag({ stable: '1', next: '2' })), '--set', 'models').code).toBe(
      0,
    );
  });

  it('shows every change in `flags log`, with its diff', () => {
    const log = cli('log', '--set', 'cli');
    expect(log.stdout).toMatch(/cli {2}revision \d+ {2}flags\.applied {2}actor -\n {4}\+ beta/);
    expect(log.stdout).toMatch(/flags\.rolledBack {2}actor -\n {4}~ beta: defaultVariant\n {4}- extra/);
    const events = JSON.parse(cli('log', '--set', 'cli', '--json').stdout);
    expect(events.map((e: { kind: string }) => e.kind)).toEqual(['flags.applied', 'flags.applied', 'flags.rolledBack']);
    expect(events[1]).toMatchObject({
      set: 'cli',
      flags: ['beta', 'extra'],
      diff: [
        { flag: 'beta', change: 'changed', fields: ['defaultVariant'] },
        { flag: 'extra', change: 'added' },
      ],
      document: second,
      lenient: false,
      actor: null,
    });
  });
});
