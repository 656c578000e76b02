// The in-process OpenFeature provider against a real nats-server, with the flag sets stored by the CLI: flagd's
// conformance profile through OpenFeature clients, then the events a service sees as sets change and NATS restarts.
import { buckets } from '@aviary/contracts';
import { AviaryFlagProvider, FlagSetStore } from '@aviary/flags-engine';
import { connectNats, openKv } from '@aviary/messaging';
import {
  caseContext,
  clientDetails,
  comparableDetails,
  describeWithFixtures,
  expectedDetails,
  flagdTestbedDir,
  NatsServer,
  profileCases,
  Stack,
  startNatsServer,
  startStack,
  testbedFlagSets,
  waitFor,
} from '@aviary/testing';
import { EvaluationContext, EventDetails, OpenFeature, ProviderEvents, ProviderStatus } from '@openfeature/server-sdk';
import { NatsConnection } from 'nats';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const silent = { info: () => undefined, error: () => undefined };

describeWithFixtures(flagdTestbedDir(), 'the in-process OpenFeature provider', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aviary-provider-'));
  const storeDir = join(dir, 'nats');
  let nats: NatsServer;
  let stack: Stack;
  let connection: NatsConnection;
  const put = (file: string, config: object, set: string) => {
    writeFileSync(join(dir, file), JSON.stringify(config));
    return stack.cli(['flags', 'apply', '-f', join(dir, file), '--set', set, '--lenient']);
  };

  // Only the CLI: the provider needs nothing but NATS.
  beforeAll(async () => {
    nats = await startNatsServer({ storeDir });
    stack = await startStack({ natsUrl: nats.url, services: [], seed: false });
    connection = await connectNats(nats.url, 'provider-e2e');
  });

  afterAll(async () => {
    await OpenFeature.close();
    await connection?.close();
    await stack?.stop();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes flagd’s conformance profile through OpenFeature clients, one provider per set over one shared store', async () => {
    const sets = testbedFlagSets();
    for (const [name, set] of Object.entries(sets))
      expect(put(`${name}.json`, set.config, name)).toMatchObject({ code: 0 });
    // One watch for the whole process, as a service that already follows the bucket would share it.
    const store = new FlagSetStore(silent);
    await store.follow(connection);
    for (const name of Object.keys(sets))
      await OpenFeature.setProviderAndWait(name, new AviaryFlagProvider({ store, flagSet: name, logger: silent }));

    const cases = profileCases();
    const failures: string[] = [];
    for (const c of cases) {
      const context = caseContext(c, sets) as EvaluationContext;
      const actual = comparableDetails(await clientDetails(OpenFeature.getClient(c.flagSet), c, context), c);
      try {
        expect(actual).toEqual(expectedDetails(c));
      } catch {
        failures.push(`${c.id}: expected ${JSON.stringify(expectedDetails(c))}, got ${JSON.stringify(actual)}`);
      }
    }
    console.log(`flagd testbed through AviaryFlagProvider: ${cases.length - failures.length}/${cases.length} passed`);
    expect(failures).toEqual([]);
    expect(cases).toHaveLength(265);
    await OpenFeature.clearProviders(); // closing a provider leaves a shared store to its owner
    store.stop();
  });

  describe('events, as a service that owns its provider sees them', () => {
    const client = OpenFeature.getClient(); // the default provider, as the README's example sets it
    const events: [ProviderEvents, EventDetails, number][] = [];
    const logged: string[] = [];
    const eventsOf = (type: ProviderEvents) => events.filter(([t]) => t === type).map(([, details]) => details);
    const flags = (greeting: string) => ({
      flags: {
        greeting: { state: 'ENABLED', variants: { hi: 'hi', yo: 'yo', hey: 'hey' }, defaultVariant: greeting },
        dark: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' },
      },
    });

    beforeAll(async () => {
      for (const type of Object.values(ProviderEvents))
        client.addHandler(type, (details) => events.push([type, details as EventDetails, Date.now()]));
      expect(put('live-1.json', flags('hi'), 'live')).toMatchObject({ code: 0 });
      const record = (_fields: object, message: string) => logged.push(message);
      const provider = new AviaryFlagProvider({
        servers: nats.url,
        flagSet: 'live',
        logger: { info: record, error: record },
      });
      await OpenFeature.setProviderAndWait(provider);
    });

    it('is READY once its set has been read, answering from it', async () => {
      expect(client.providerStatus).toBe(ProviderStatus.READY);
      expect(eventsOf(ProviderEvents.Ready)).toHaveLength(1);
      expect(await client.getStringDetails('greeting', 'x')).toMatchObject({ value: 'hi', variant: 'hi' });
    });

    it('announces a change made with the CLI as CONFIGURATION_CHANGED naming the flags it changed', async () => {
      // The CLI runs synchronously and blocks this process's event loop, so the figure starts when it returns.
      expect(put('live-2.json', flags('yo'), 'live')).toMatchObject({ code: 0 });
      const applied = Date.now();
      await waitFor(
        'CONFIGURATION_CHANGED',
        async () => eventsOf(ProviderEvents.ConfigurationChanged).length === 1,
        10_000,
      );
      const arrived = events.find(([type]) => type === ProviderEvents.ConfigurationChanged)?.[2] ?? Number.NaN;
      console.log(`a CLI change reached the provider ${arrived - applied} ms after the CLI returned`);
      expect(eventsOf(ProviderEvents.ConfigurationChanged)[0].flagsChanged).toEqual(['greeting']);
      expect(await client.getStringValue('greeting', 'x')).toBe('yo');
    });

    it('changes no answer for an invalid set: the CLI refuses it, and one written to KV past the CLI is rejected', async () => {
      const invalid = { flags: { greeting: { ...flags('hi').flags.greeting, defaultVariant: 'missing' } } };
      expect(put('invalid.json', invalid, 'live')).toMatchObject({ code: 1 });
      const kv = await openKv(connection.jetstream(), buckets.flags);
      await kv.put('live', JSON.stringify(invalid));
      await waitFor(
        'the rejection',
        async () => logged.includes('flag set rejected; the last good one keeps serving'),
        10_000,
      );
      expect(eventsOf(ProviderEvents.ConfigurationChanged)).toHaveLength(1);
      expect(eventsOf(ProviderEvents.Error)).toEqual([]);
      expect(client.providerStatus).toBe(ProviderStatus.READY);
      expect(await client.getStringDetails('greeting', 'x')).toMatchObject({ value: 'yo', variant: 'yo' });
    });

    it('goes STALE while nats-server is down, answering from the last set, and READY again once it is back', async () => {
      const port = nats.port;
      await nats.process.stop();
      await waitFor('STALE', async () => eventsOf(ProviderEvents.Stale).length === 1, 10_000);
      expect(client.providerStatus).toBe(ProviderStatus.STALE);
      expect(eventsOf(ProviderEvents.Stale)[0].message).toMatch(/^NATS connection lost/);
      for (const targetingKey of ['a', 'b', 'c'])
        expect(await client.getStringDetails('greeting', 'x', { targetingKey })).toMatchObject({ value: 'yo' });

      nats = await startNatsServer({ port, storeDir });
      await waitFor('READY again', async () => eventsOf(ProviderEvents.Ready).length === 2, 20_000);
      expect(client.providerStatus).toBe(ProviderStatus.READY);
      // The replay after the reconnect held nothing new, so nothing was announced as changed.
      expect(eventsOf(ProviderEvents.ConfigurationChanged)).toHaveLength(1);
    });

    it('follows the bucket after the restart: a change made now arrives', async () => {
      expect(put('live-3.json', flags('hey'), 'live')).toMatchObject({ code: 0 });
      await waitFor(
        'CONFIGURATION_CHANGED',
        async () => eventsOf(ProviderEvents.ConfigurationChanged).length === 2,
        10_000,
      );
      expect(eventsOf(ProviderEvents.ConfigurationChanged)[1].flagsChanged).toEqual(['greeting']);
      expect(await client.getStringValue('greeting', 'x')).toBe('hey');
    });
  });
});
