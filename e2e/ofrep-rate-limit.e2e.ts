// OFREP's 429: a client past AVIARY_OFREP_RATE_LIMIT gets 429 with Retry-After (seconds), in OFREP's error shape,
// and the unchanged OFREP provider reads it as a rate limit and answers the caller's default meanwhile.
import { startStack, Stack } from '@aviary/testing';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OpenFeature } from '@openfeature/server-sdk';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postJson } from './support';

/** One request per 5 s (a burst of one): the second request of the test is over the limit whatever the machine. */
const RATE = 0.2;

describe('OFREP rate limit', () => {
  let stack: Stack;
  let url: string;
  const ofrep = (path: string) => postJson(`${url}/ofrep/v1/evaluate/flags${path}`, { context: {} });

  // The set is stored before the gateway starts, so its first request is the first the limiter sees.
  beforeAll(async () => {
    stack = await startStack({ services: ['inference', 'preprocessor'], seed: false });
    const file = join(mkdtempSync(join(tmpdir(), 'aviary-ofrep-limit-')), 'flags.json');
    const greeting = { state: 'ENABLED', variants: { hi: 'hi' }, defaultVariant: 'hi' };
    writeFileSync(file, JSON.stringify({ flags: { greeting } }));
    expect(stack.cli(['flags', 'apply', '-f', file])).toMatchObject({ code: 0 });
    url = (await stack.startService('gateway', { AVIARY_OFREP_RATE_LIMIT: String(RATE) })).httpUrl;
  });

  afterAll(async () => {
    await OpenFeature.close();
    await stack?.stop();
  });

  it('answers 429 with Retry-After past the rate, read by the unchanged provider as a rate limit', async () => {
    await OpenFeature.setProviderAndWait('limited', new OFREPProvider({ baseUrl: url }));
    const client = OpenFeature.getClient('limited');
    expect(await client.getStringDetails('greeting', 'fallback')).toMatchObject({ value: 'hi', variant: 'hi' });
    expect(await client.getStringDetails('greeting', 'fallback')).toMatchObject({
      value: 'fallback',
      errorCode: 'GENERAL',
      errorMessage: expect.stringMatching(/rate limit/i),
    });

    const single = await ofrep('/greeting');
    expect(single.status).toBe(429);
    expect(Number(single.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(single.body).toEqual({
      errorDetails: expect.stringMatching(/^rate limit of 0.2 requests\/s per client reached; retry after \d+ s$/),
    });
    expect((await ofrep('')).status).toBe(429);
  });
});
