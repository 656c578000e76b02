// OFREP on the gateway, evaluated in-process from the flag sets the CLI stores: flagd's conformance profile through
// the unchanged OpenFeature OFREP provider, the bulk ETag, OFREP's error shapes, and the last good set serving on.
import {
  caseContext,
  clientDetails,
  comparableDetails,
  describeWithFixtures,
  expectedDetails,
  flagdTestbedDir,
  profileCases,
  startStack,
  Stack,
  testbedFlagSets,
  waitFor,
} from '@aviary/testing';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { EvaluationContext, OpenFeature } from '@openfeature/server-sdk';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postJson } from './support';

const FLAG_SET_HEADER = 'Aviary-Flag-Set';

describeWithFixtures(flagdTestbedDir(), 'OFREP on the gateway', () => {
  let stack: Stack;
  const dir = mkdtempSync(join(tmpdir(), 'aviary-ofrep-'));
  const sets = testbedFlagSets();
  const ofrep = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    postJson(`${stack.gateway.httpUrl}/ofrep/v1/evaluate/flags${path}`, body, headers);
  // Lenient: the testbed's sets break flagd's schema on purpose (flags that must answer PARSE_ERROR).
  const apply = (file: string, config: object, set: string) => {
    writeFileSync(join(dir, file), JSON.stringify(config));
    return stack.cli(['flags', 'apply', '-f', join(dir, file), '--set', set, '--lenient']);
  };

  // The gateway is ready once the services behind predict answer; OFREP itself needs none of them.
  beforeAll(async () => {
    stack = await startStack({ services: ['inference', 'preprocessor', 'gateway'], seed: false });
    for (const [name, set] of Object.entries(sets)) {
      expect(apply(`${name}.json`, set.config, name)).toMatchObject({ code: 0 });
      await waitFor(
        `flag set ${name} to reach the gateway`,
        async () => (await ofrep('', {}, { [FLAG_SET_HEADER]: name })).status === 200,
        10_000,
      );
    }
  });

  afterAll(async () => {
    await OpenFeature.close();
    await stack?.stop();
  });

  it('passes flagd’s conformance profile through the unchanged OpenFeature OFREP provider', async () => {
    for (const name of Object.keys(sets)) {
      await OpenFeature.setProviderAndWait(
        name,
        new OFREPProvider({ baseUrl: stack.gateway.httpUrl, headers: { [FLAG_SET_HEADER]: name } }),
      );
    }
    const cases = profileCases();
    const failures: string[] = [];
    const passed = new Map<string, number>();
    const callersDefault: string[] = [];
    for (const c of cases) {
      const context = caseContext(c, sets) as EvaluationContext;
      const details = await clientDetails(OpenFeature.getClient(c.flagSet), c, context);
      const wire = await ofrep(`/${c.flagKey}`, { context }, { [FLAG_SET_HEADER]: c.flagSet });
      const expected = expectedDetails(c);
      let actual = comparableDetails(details, c);
      // OFREP says "the caller's default" by leaving `value` out (disabled flags, flagd's code default); the
      // provider 0.1.3 (the newest on npm) predates that and reports GENERAL, so those answers are read on the wire.
      if (wire.status === 200 && !('value' in wire.body)) {
        callersDefault.push(c.id);
        actual = { ...actual, ...('reason' in expected && { reason: wire.body.reason }) };
        if ('errorCode' in expected) actual.errorCode = undefined;
        if ('flagMetadata' in expected) actual.flagMetadata = wire.body.metadata;
      }
      try {
        expect(actual).toEqual(expected);
        passed.set(c.suite, (passed.get(c.suite) ?? 0) + 1);
      } catch {
        failures.push(`${c.id}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
      }
    }
    const perSuite = [...passed].map(([suite, n]) => `${suite} ${n}`).join(', ');
    console.log(
      `flagd testbed over OFREP: ${cases.length - failures.length}/${cases.length} passed (${perSuite}); ` +
        `${callersDefault.length} of them answer "the caller's default" (no value), checked on the wire`,
    );
    expect(failures).toEqual([]);
    expect(cases).toHaveLength(265);
  });

  it('answers a repeated bulk request with 304 while neither the set nor the context changed', async () => {
    const headers = { [FLAG_SET_HEADER]: 'evaluator' };
    const first = await ofrep('', { context: { email: 'ana@aviary.dev' } }, headers);
    expect(first.status).toBe(200);
    expect(first.body.flags.length).toBeGreaterThan(10);
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^".+"$/);
    const again = await fetch(`${stack.gateway.httpUrl}/ofrep/v1/evaluate/flags`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'if-none-match': etag, ...headers },
      body: JSON.stringify({ context: { email: 'ana@aviary.dev' } }),
    });
    expect(again.status).toBe(304);
    const otherContext = await ofrep('', { context: { email: 'bo@example.com' } }, headers);
    expect(otherContext.headers.get('etag')).not.toBe(etag);
  });

  it('answers an unknown flag 404 in OFREP’s error shape', async () => {
    const answer = await ofrep('/no-such-flag', { context: {} }, { [FLAG_SET_HEADER]: 'evaluator' });
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({
      key: 'no-such-flag',
      errorCode: 'FLAG_NOT_FOUND',
      errorDetails: expect.stringContaining('no-such-flag'),
    });
  });

  it('answers a context that is not an object 400 INVALID_CONTEXT', async () => {
    const answer = await ofrep('/boolean-flag', { context: [1, 2] }, { [FLAG_SET_HEADER]: 'evaluator' });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ key: 'boolean-flag', errorCode: 'INVALID_CONTEXT' });
  });

  it('answers a body that is not JSON 400 PARSE_ERROR in OFREP’s shape', async () => {
    const answer = await ofrep('/boolean-flag', '{"context": {', { [FLAG_SET_HEADER]: 'evaluator' });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ key: 'boolean-flag', errorCode: 'PARSE_ERROR' });
  });

  it('rejects an invalid set at the CLI while the last good set keeps answering over OFREP', async () => {
    const good = { flags: { greeting: { state: 'ENABLED', variants: { hi: 'hi', yo: 'yo' }, defaultVariant: 'hi' } } };
    expect(apply('good.json', good, 'default')).toMatchObject({ code: 0 });
    await waitFor('the default set', async () => (await ofrep('/greeting', {})).status === 200, 10_000);
    const bad = { flags: { greeting: { ...good.flags.greeting, defaultVariant: 'missing' } } };
    const rejected = apply('bad.json', bad, 'default');
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/invalid flag set/);
    expect((await ofrep('/greeting', {})).body).toMatchObject({ key: 'greeting', value: 'hi', variant: 'hi' });
  });
});
