// The unchanged OpenFeature OFREP clients against the running gateway: the server provider for every value type,
// reason and error code flagd can answer, fractional over 10,000 targeting keys; the browser provider (bulk
// evaluation, ETag polling) run in Node; and how soon a change applied with the CLI reaches the gateway.
import { startStack, Stack, waitFor } from '@aviary/testing';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { OpenFeature, EvaluationContext } from '@openfeature/server-sdk';
import { OpenFeature as WebOpenFeature, ProviderEvents as WebProviderEvents } from '@openfeature/web-sdk';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postJson } from './support';

const FLAG_SET_HEADER = 'Aviary-Flag-Set';

const FLAGS = {
  flags: {
    'dark-mode': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
    'tier-banner': {
      state: 'ENABLED',
      variants: { gold: 'Welcome back, gold member', basic: 'Welcome' },
      defaultVariant: 'basic',
      targeting: { if: [{ '==': [{ var: 'tier' }, 'gold'] }, 'gold', null] },
    },
    'max-rows': { state: 'ENABLED', variants: { few: 2.5, many: 250 }, defaultVariant: 'many' },
    theme: {
      state: 'ENABLED',
      variants: { red: { color: 'red', sizes: [1, 2] }, blue: { color: 'blue', sizes: [] } },
      defaultVariant: 'red',
    },
    'three-way': {
      state: 'ENABLED',
      variants: { a: 'a', b: 'b', c: 'c' },
      defaultVariant: 'a',
      targeting: {
        fractional: [
          ['a', 50],
          ['b', 30],
          ['c', 20],
        ],
      },
    },
    retired: { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
    'bad-operator': { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on', targeting: { nope: [1] } },
    'missing-variant': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: { if: [true, 'platinum', 'on'] },
    },
  },
};

/** A minimal in-memory Web Storage: Node 20 has no `localStorage`, where the browser provider caches its flags. */
class MemoryStorage {
  private readonly items = new Map<string, string>();
  getItem = (key: string) => this.items.get(key) ?? null;
  setItem = (key: string, value: string) => void this.items.set(key, String(value));
  removeItem = (key: string) => void this.items.delete(key);
}

describe('the unchanged OpenFeature OFREP clients against the gateway', () => {
  let stack: Stack;
  const dir = mkdtempSync(join(tmpdir(), 'aviary-ofrep-clients-'));
  const ofrep = (set: string, path: string, body: unknown) =>
    postJson(`${stack.gateway.httpUrl}/ofrep/v1/evaluate/flags${path}`, body, { [FLAG_SET_HEADER]: set });
  /** Stores a flag set with the CLI, leniently (flagd's loading): one flag breaks the schema to answer PARSE_ERROR. */
  const apply = (config: object, set: string) => {
    const file = join(dir, `${set}-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify(config));
    return stack.cli(['flags', 'apply', '-f', file, '--set', set, '--lenient']);
  };
  const applyAndWait = async (config: object, set: string) => {
    expect(apply(config, set)).toMatchObject({ code: 0 });
    await waitFor(`flag set ${set}`, async () => (await ofrep(set, '', {})).status === 200, 10_000);
  };

  beforeAll(async () => {
    stack = await startStack({ services: ['inference', 'preprocessor', 'gateway'], seed: false });
    await applyAndWait(FLAGS, 'clients');
    await OpenFeature.setProviderAndWait(
      'clients',
      new OFREPProvider({ baseUrl: stack.gateway.httpUrl, headers: { [FLAG_SET_HEADER]: 'clients' } }),
    );
  });

  afterAll(async () => {
    await OpenFeature.close();
    await WebOpenFeature.close();
    await stack?.stop();
  });

  describe('the server provider (@openfeature/ofrep-provider)', () => {
    const client = () => OpenFeature.getClient('clients');
    const gold: EvaluationContext = { targetingKey: 'ana', tier: 'gold' };

    it('answers every value type with its variant: boolean, string, number and object, reason STATIC', async () => {
      expect(await client().getBooleanDetails('dark-mode', false)).toMatchObject({
        value: true,
        variant: 'on',
        reason: 'STATIC',
      });
      expect(await client().getNumberDetails('max-rows', 0)).toMatchObject({
        value: 250,
        variant: 'many',
        reason: 'STATIC',
      });
      expect(await client().getObjectDetails('theme', {})).toMatchObject({
        value: { color: 'red', sizes: [1, 2] },
        variant: 'red',
        reason: 'STATIC',
      });
      expect(await client().getStringDetails('tier-banner', '', gold)).toMatchObject({
        value: 'Welcome back, gold member',
        variant: 'gold',
        reason: 'TARGETING_MATCH',
      });
    });

    it('answers DEFAULT when the targeting rule returns null, and when fractional has no targeting key', async () => {
      expect(await client().getStringDetails('tier-banner', '', { tier: 'basic' })).toMatchObject({
        value: 'Welcome',
        variant: 'basic',
        reason: 'DEFAULT',
      });
      // flagd never answers TARGETING_KEY_MISSING: fractional without a key falls back to the default variant.
      expect(await client().getStringDetails('three-way', 'none', {})).toMatchObject({
        value: 'a',
        variant: 'a',
        reason: 'DEFAULT',
      });
    });

    it('answers a disabled flag DISABLED without a value, so the caller’s default applies', async () => {
      const wire = await ofrep('clients', '/retired', { context: {} });
      expect(wire.status).toBe(200);
      expect(wire.body).toEqual({ key: 'retired', reason: 'DISABLED', metadata: {} });
      // The provider 0.1.3 (the newest on npm) predates value-less answers: it keeps the default and reports an error.
      expect(await client().getBooleanDetails('retired', false)).toMatchObject({ value: false });
    });

    it('answers each error code flagd can produce, with reason ERROR and the caller’s default', async () => {
      const cases: [string, () => Promise<{ value: unknown; reason?: string; errorCode?: string }>, string][] = [
        ['FLAG_NOT_FOUND', () => client().getBooleanDetails('no-such-flag', false), 'FLAG_NOT_FOUND'],
        ['TYPE_MISMATCH', () => client().getStringDetails('dark-mode', 'fallback'), 'TYPE_MISMATCH'],
        ['PARSE_ERROR', () => client().getBooleanDetails('bad-operator', false), 'PARSE_ERROR'],
        ['GENERAL', () => client().getBooleanDetails('missing-variant', false), 'GENERAL'],
      ];
      for (const [name, evaluate, code] of cases) {
        const details = await evaluate();
        expect({ name, reason: details.reason, errorCode: details.errorCode }).toEqual({
          name,
          reason: 'ERROR',
          errorCode: code,
        });
      }
      // The provider always sends an object context; a caller that sends anything else hears INVALID_CONTEXT.
      const invalid = await ofrep('clients', '/dark-mode', { context: 'ana' });
      expect(invalid.status).toBe(400);
      expect(invalid.body).toMatchObject({ key: 'dark-mode', errorCode: 'INVALID_CONTEXT' });
    });

    it('splits fractional 50/30/20 over 10,000 targeting keys within 2 points, the same key always the same variant', async () => {
      const keys = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
      const variants = new Map<string, string>();
      const evaluate = async (key: string) => await client().getStringDetails('three-way', '', { targetingKey: key });
      for (let i = 0; i < keys.length; i += 50) {
        const batch = keys.slice(i, i + 50);
        const answers = await Promise.all(batch.map(evaluate));
        answers.forEach((details, j) => {
          // flagd reports a fractional pick as TARGETING_MATCH: it never answers SPLIT.
          expect(details.reason).toBe('TARGETING_MATCH');
          variants.set(batch[j], details.value);
        });
      }
      const share = (variant: string) =>
        ([...variants.values()].filter((v) => v === variant).length / keys.length) * 100;
      console.log(`fractional 50/30/20 over 10,000 keys: a ${share('a')} %, b ${share('b')} %, c ${share('c')} %`);
      expect(Math.abs(share('a') - 50)).toBeLessThanOrEqual(2);
      expect(Math.abs(share('b') - 30)).toBeLessThanOrEqual(2);
      expect(Math.abs(share('c') - 20)).toBeLessThanOrEqual(2);
      const sample = keys.filter((_, i) => i % 20 === 0);
      const again = await Promise.all(sample.map(evaluate));
      expect(again.map((d) => d.value)).toEqual(sample.map((k) => variants.get(k)));
    }, 180_000);
  });

  describe('the browser provider (@openfeature/ofrep-web-provider) in Node', () => {
    const statuses: number[] = [];
    const context = { targetingKey: 'ana', tier: 'gold' };

    beforeAll(async () => {
      (globalThis as { localStorage?: unknown }).localStorage = new MemoryStorage();
      await applyAndWait(FLAGS, 'browser');
      await WebOpenFeature.setContext(context);
      await WebOpenFeature.setProviderAndWait(
        new OFREPWebProvider({
          baseUrl: stack.gateway.httpUrl,
          headers: [[FLAG_SET_HEADER, 'browser']],
          pollInterval: 200,
          // The provider's own seam for the HTTP client: every answer's status is recorded on its way through.
          fetchImplementation: async (input: string | URL | Request, init?: RequestInit) => {
            const response = await fetch(input, init);
            statuses.push(response.status);
            return response;
          },
        }),
      );
    });

    afterAll(() => {
      delete (globalThis as { localStorage?: unknown }).localStorage;
    });

    it('answers every flag as the gateway’s single-flag evaluation does for the same context', async () => {
      const client = WebOpenFeature.getClient();
      for (const key of ['dark-mode', 'tier-banner', 'max-rows', 'theme', 'three-way']) {
        const wire = await ofrep('browser', `/${key}`, { context });
        expect(wire.status).toBe(200);
        const value: unknown = wire.body.value;
        const details =
          typeof value === 'boolean'
            ? client.getBooleanDetails(key, !value)
            : typeof value === 'number'
              ? client.getNumberDetails(key, -1)
              : typeof value === 'string'
                ? client.getStringDetails(key, '')
                : client.getObjectDetails(key, {});
        expect(details).toMatchObject({
          value: wire.body.value,
          variant: wire.body.variant,
          reason: wire.body.reason,
        });
      }
      expect(client.getBooleanDetails('bad-operator', false)).toMatchObject({ errorCode: 'PARSE_ERROR' });
      expect(client.getBooleanDetails('no-such-flag', false)).toMatchObject({ errorCode: 'FLAG_NOT_FOUND' });
      expect(client.getStringDetails('dark-mode', '')).toMatchObject({ errorCode: 'TYPE_MISMATCH' });
      // The browser provider reads OFREP's value-less answer as "the caller's default", with the server's reason.
      expect(client.getBooleanDetails('retired', true)).toMatchObject({ value: true, reason: 'DISABLED' });
    });

    it('polls with the ETag and hears 304 while the set does not change', async () => {
      const before = statuses.length;
      await waitFor('three more polls', async () => statuses.length >= before + 3, 10_000);
      expect(statuses.slice(before)).toContain(304);
      expect(statuses[0]).toBe(200);
    });

    it('picks up a change applied with the CLI by its polling, and tells the app CONFIGURATION_CHANGED', async () => {
      const client = WebOpenFeature.getClient();
      const changed = new Promise<string[]>((resolve) =>
        client.addHandler(WebProviderEvents.ConfigurationChanged, (details) => resolve(details?.flagsChanged ?? [])),
      );
      const flipped = {
        flags: { ...FLAGS.flags, 'dark-mode': { ...FLAGS.flags['dark-mode'], defaultVariant: 'off' } },
      };
      expect(apply(flipped, 'browser')).toMatchObject({ code: 0 });
      expect(await changed).toEqual(['dark-mode']);
      expect(client.getBooleanDetails('dark-mode', true)).toMatchObject({ value: false, variant: 'off' });
      expect(statuses[statuses.length - 1]).toBe(200);
    });
  });

  it('shows a change applied with the CLI in the gateway’s evaluation within 1 s of the CLI’s exit', async () => {
    const flag = (variant: 'on' | 'off') => ({
      flags: { switch: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: variant } },
    });
    await applyAndWait(flag('off'), 'latency');
    const timings: number[] = [];
    for (const variant of ['on', 'off', 'on'] as const) {
      expect(apply(flag(variant), 'latency')).toMatchObject({ code: 0 });
      const exited = performance.now();
      let seen = -1;
      while (performance.now() - exited < 5000) {
        const answer = await ofrep('latency', '/switch', { context: {} });
        if (answer.body.variant === variant) {
          seen = performance.now() - exited;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      timings.push(seen);
    }
    console.log(
      `CLI exit to the first OFREP answer showing the change: ${timings.map((t) => t.toFixed(1)).join(', ')} ms`,
    );
    for (const t of timings) {
      expect(t).toBeGreaterThanOrEqual(0);
      expect(t).toBeLessThan(1000);
    }
  });
});
