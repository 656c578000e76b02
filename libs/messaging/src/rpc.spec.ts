import { AviaryError, ERROR_HEADER } from '@aviary/contracts';
import { NatsServer, startNatsServer, waitFor } from '@aviary/testing';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { headers as natsHeaders, NatsConnection } from 'nats';
import { connectNats } from './connection';
import { NatsReadiness } from './nats-readiness';
import { NoResponders } from './reply-inbox';
import { IncomingRequest, NatsRpc } from './rpc';
import { rejection } from '@aviary/testing';

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();
const text = (bytes: Uint8Array) => fromUtf8.decode(bytes);

/** A promise the test resolves by hand, to hold a handler in flight. */
function gate<T = void>() {
  let open!: (value: T) => void;
  const opened = new Promise<T>((resolve) => (open = resolve));
  return { open, opened };
}

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register({ propagator: new W3CTraceContextPropagator() });

describe('NatsRpc against a real nats-server', () => {
  let nats: NatsServer;
  let server: NatsRpc;
  let client: NatsRpc;
  let subjectCount = 0;
  /** A fresh subject per test, so handlers of one test never answer another. */
  const subject = () => `spec.rpc.${++subjectCount}`;

  beforeAll(async () => {
    nats = await startNatsServer();
    server = new NatsRpc(await connectNats(nats.url, 'rpc-spec-server'));
    client = new NatsRpc(await connectNats(nats.url, 'rpc-spec-client'));
  });

  afterAll(async () => {
    await client?.drain();
    await server?.drain();
    await provider.shutdown();
    await nats?.stop();
  });

  beforeEach(() => exporter.reset());

  const serve = (...args: Parameters<NatsRpc['serve']>) => server.serve(...args);

  it('returns the body the handler replies with', async () => {
    const s = subject();
    await serve(s, 'spec', async (request) => utf8.encode(`hello ${text(request.data)}`));
    expect(text(await client.request(s, utf8.encode('aviary'), { timeoutMs: 2_000 }))).toBe('hello aviary');
  });

  it('hands the handler the concrete subject of a wildcard subscription', async () => {
    const s = subject();
    await serve(`${s}.*.*`, undefined, async (request) => utf8.encode(request.subject));
    expect(text(await client.request(`${s}.flight-delay.2`, new Uint8Array(0), { timeoutMs: 2_000 }))).toBe(
      `${s}.flight-delay.2`,
    );
  });

  it('delivers an AviaryError thrown by the handler with its code and message', async () => {
    const s = subject();
    await serve(s, 'spec', async () => {
      throw new AviaryError('model "x" has no version "9"', 'NOT_FOUND');
    });
    const error = await rejection(client.request(s, new Uint8Array(0), { timeoutMs: 2_000 }));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toBe('model "x" has no version "9"');
  });

  it('delivers any other thrown error as INTERNAL without its text, naming the subject and trace id', async () => {
    const s = subject();
    await serve(s, 'spec', async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'shape')");
    });
    const error = await rejection(client.request(s, new Uint8Array(0), { timeoutMs: 2_000 }));
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toMatch(
      new RegExp(
        `^internal error; see the log of the service serving ${s.replace(/\./g, '\\.')}, trace id [0-9a-f]{32}$`,
      ),
    );
  });

  it('treats an error code it does not know as INTERNAL', async () => {
    const s = subject();
    const raw = server.connection.subscribe(s, {
      callback: (_err, msg) => {
        const hdrs = natsHeaders();
        hdrs.set(ERROR_HEADER, 'I_AM_A_TEAPOT');
        msg.respond(utf8.encode('short and stout'), { headers: hdrs });
      },
    });
    await server.connection.flush();
    try {
      const error = await rejection(client.request(s, new Uint8Array(0), { timeoutMs: 2_000 }));
      expect(error.code).toBe('INTERNAL');
      expect(error.message).toBe('short and stout');
    } finally {
      raw.unsubscribe();
    }
  });

  it('answers UNAVAILABLE at once when no replica serves the subject', async () => {
    const s = subject();
    const started = Date.now();
    const error = await rejection(client.request(s, new Uint8Array(0), { timeoutMs: 10_000 }));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toBe(`no replica serves ${s}`);
    expect(error).toBeInstanceOf(NoResponders);
    // Answered by the server's no-responders status, far sooner than the 10 s deadline.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("answers PAYLOAD_TOO_LARGE when the message exceeds the server's max_payload", async () => {
    const s = subject();
    await serve(s, 'spec', async () => new Uint8Array(0));
    const tooBig = new Uint8Array(client.connection.info!.max_payload + 1);
    const error = await rejection(client.request(s, tooBig, { timeoutMs: 2_000 }));
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.message).toMatch(/max_payload/);
  });

  it("answers PAYLOAD_TOO_LARGE when the reply exceeds the server's max_payload", async () => {
    const s = subject();
    await serve(s, 'spec', async () => new Uint8Array((server.connection.info?.max_payload ?? 0) + 1));
    const error = await rejection(client.request(s, new Uint8Array(0), { timeoutMs: 2_000 }));
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.message).toBe(`the reply on ${s} is larger than the NATS server's max_payload; send smaller batches`);
  });

  it('answers DEADLINE_EXCEEDED when the handler does not reply within timeoutMs', async () => {
    const s = subject();
    const held = gate();
    await serve(s, 'spec', async () => {
      await held.opened;
      return new Uint8Array(0);
    });
    const started = Date.now();
    try {
      const error = await rejection(client.request(s, new Uint8Array(0), { timeoutMs: 300 }));
      expect(error.code).toBe('DEADLINE_EXCEEDED');
      expect(error.message).toBe(`no reply on ${s} within 300 ms`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    } finally {
      held.open();
    }
  });

  it('drops a reply that comes after its timeout, and the next request on the subject still gets its own', async () => {
    const s = subject();
    const held = gate();
    let calls = 0;
    await serve(s, 'spec', async () => {
      if (++calls === 1) await held.opened;
      return utf8.encode(`answer ${calls}`);
    });
    expect((await rejection(client.request(s, new Uint8Array(0), { timeoutMs: 200 }))).code).toBe('DEADLINE_EXCEEDED');
    held.open();
    expect(text(await client.request(s, new Uint8Array(0), { timeoutMs: 2_000 }))).toBe('answer 2');
  });

  it('fails the requests still waiting with UNAVAILABLE when the connection closes, before their timeout', async () => {
    const s = subject();
    const held = gate();
    let reached = false;
    await serve(s, 'spec', async () => {
      reached = true;
      await held.opened;
      return new Uint8Array(0);
    });
    const closing = new NatsRpc(await connectNats(nats.url, 'closing-caller'));
    const waiting = rejection(closing.request(s, new Uint8Array(0), { timeoutMs: 10_000 }));
    await waitFor('the request to reach the handler', async () => reached, 2_000);
    const started = Date.now();
    await closing.connection.close();
    try {
      expect((await waiting).code).toBe('UNAVAILABLE');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      held.open();
    }
  });

  it('passes the Aviary-Op header to the handler as op, and no op when none is sent', async () => {
    const s = subject();
    const seen: (string | undefined)[] = [];
    await serve(s, 'spec', async (request: IncomingRequest) => {
      seen.push(request.op);
      return new Uint8Array(0);
    });
    await client.request(s, new Uint8Array(0), { timeoutMs: 2_000, op: 'ready' });
    await client.request(s, new Uint8Array(0), { timeoutMs: 2_000 });
    expect(seen).toEqual(['ready', undefined]);
  });

  it('stops answering a subject once it is unserved', async () => {
    const s = subject();
    const subscription = await serve(s, 'spec', async () => utf8.encode('here'));
    expect(text(await client.request(s, new Uint8Array(0), { timeoutMs: 2_000 }))).toBe('here');
    await server.unserve(subscription);
    expect((await rejection(client.request(s, new Uint8Array(0), { timeoutMs: 2_000 }))).code).toBe('UNAVAILABLE');
  });

  it('continues the caller trace: the CONSUMER span is a child of the CLIENT span, in the same trace', async () => {
    const s = subject();
    let handlerTraceId: string | undefined;
    await serve(s, 'spec', async () => {
      handlerTraceId = trace.getActiveSpan()?.spanContext().traceId;
      return new Uint8Array(0);
    });
    const tracer = trace.getTracer('rpc-spec');
    const rootTraceId = await tracer.startActiveSpan('caller', async (root) => {
      await client.request(s, new Uint8Array(0), { timeoutMs: 2_000 });
      root.end();
      return root.spanContext().traceId;
    });
    await waitFor(
      'the CONSUMER span to end',
      async () => exporter.getFinishedSpans().some((span) => span.kind === SpanKind.CONSUMER),
      2_000,
    );

    const spans = exporter.getFinishedSpans();
    const clientSpan = spans.find((span) => span.kind === SpanKind.CLIENT && span.name === `send ${s}`);
    const consumerSpan = spans.find((span) => span.kind === SpanKind.CONSUMER && span.name === `process ${s}`);
    if (!clientSpan || !consumerSpan)
      throw new Error(`missing spans; finished: ${spans.map((span) => span.name).join(', ')}`);
    expect(clientSpan.spanContext().traceId).toBe(rootTraceId);
    expect(consumerSpan.spanContext().traceId).toBe(rootTraceId);
    expect(consumerSpan.parentSpanContext?.spanId).toBe(clientSpan.spanContext().spanId);
    expect(consumerSpan.attributes['messaging.destination.name']).toBe(s);
    // The handler runs inside the CONSUMER span, so its logs and child spans join the trace.
    expect(handlerTraceId).toBe(rootTraceId);
  });

  it('marks both spans as errors when the handler fails', async () => {
    const s = subject();
    await serve(s, 'spec', async () => {
      throw new AviaryError('bad input', 'INVALID_ARGUMENT');
    });
    await rejection(client.request(s, new Uint8Array(0), { timeoutMs: 2_000 }));
    await waitFor(
      'the CONSUMER span to end',
      async () => exporter.getFinishedSpans().some((span) => span.kind === SpanKind.CONSUMER),
      2_000,
    );
    const spans = exporter.getFinishedSpans().filter((span) => span.name.endsWith(s));
    expect(spans.map((span) => [span.kind, span.status.code, span.status.message]).sort()).toEqual(
      [
        [SpanKind.CLIENT, SpanStatusCode.ERROR, 'bad input'],
        [SpanKind.CONSUMER, SpanStatusCode.ERROR, 'bad input'],
      ].sort(),
    );
  });

  it('spreads requests across the replicas of a queue group, each request answered once', async () => {
    const s = subject();
    const replicas: NatsRpc[] = [];
    try {
      for (const name of ['replica-a', 'replica-b']) {
        const rpc = new NatsRpc(await connectNats(nats.url, name));
        await rpc.serve(s, 'inference', async () => utf8.encode(name));
        replicas.push(rpc);
      }
      const answers = await Promise.all(
        Array.from({ length: 40 }, async () => text(await client.request(s, new Uint8Array(0), { timeoutMs: 2_000 }))),
      );
      expect(answers).toHaveLength(40);
      expect(new Set(answers)).toEqual(new Set(['replica-a', 'replica-b']));
    } finally {
      await Promise.all(replicas.map((r) => r.drain()));
    }
  });

  it('drains by finishing the requests in flight, whose replies still reach the caller, then closes', async () => {
    const s = subject();
    const replica = new NatsRpc(await connectNats(nats.url, 'draining-replica'));
    const started = gate();
    const release = gate();
    const events: string[] = [];
    await replica.serve(s, 'spec', async () => {
      started.open();
      await release.opened;
      events.push('handler finished');
      return utf8.encode('finished after drain began');
    });
    await replica.connection.flush();

    const reply = client.request(s, new Uint8Array(0), { timeoutMs: 5_000 });
    await started.opened;
    const drained = replica.drain().then(() => events.push('drained'));
    release.open();

    expect(text(await reply)).toBe('finished after drain began');
    await drained;
    expect(events).toEqual(['handler finished', 'drained']);
    expect(replica.connection.isClosed()).toBe(true);
    // Nobody serves the subject any more.
    expect((await rejection(client.request(s, new Uint8Array(0), { timeoutMs: 2_000 }))).code).toBe('UNAVAILABLE');
  });

  it('answers UNAVAILABLE for a request on a connection that has closed', async () => {
    const closed: NatsConnection = await connectNats(nats.url, 'closing-client');
    await closed.close();
    const error = await rejection(new NatsRpc(closed).request(subject(), new Uint8Array(0), { timeoutMs: 2_000 }));
    expect(error.code).toBe('UNAVAILABLE');
  });
});

describe('NatsRpc while its nats-server restarts', () => {
  it('fails requests at once while disconnected, fails the one in flight, and serves again after reconnecting', async () => {
    let nats = await startNatsServer();
    const server = new NatsRpc(await connectNats(nats.url, 'restart-server'));
    const client = new NatsRpc(await connectNats(nats.url, 'restart-client'));
    const readiness = new NatsReadiness(client);
    const hold = gate();
    try {
      await server.serve('spec.restart.slow', 'spec', async () => {
        await hold.opened;
        return new Uint8Array(0);
      });
      await server.serve('spec.restart.echo', 'spec', async (request) => request.data);
      const inFlight = rejection(client.request('spec.restart.slow', new Uint8Array(0), { timeoutMs: 20_000 }));
      await client.connection.flush();

      const port = nats.port;
      await nats.process.stop();
      const started = Date.now();
      const lost = await inFlight;
      expect(lost).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/connection lost/) });
      const down = await rejection(client.request('spec.restart.echo', utf8.encode('x'), { timeoutMs: 20_000 }));
      expect(down).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/NATS connection is down/) });
      expect(Date.now() - started).toBeLessThan(5_000); // neither waited for its 20 s deadline
      expect(await readiness.ready()).toEqual({ ready: false, reason: 'NATS connection down, reconnecting' });

      nats = await startNatsServer({ port });
      await waitFor('the client to reconnect', async () => client.connected && server.connected, 15_000);
      expect(text(await client.request('spec.restart.echo', utf8.encode('back'), { timeoutMs: 5_000 }))).toBe('back');
      expect(await readiness.ready()).toEqual({ ready: true });
    } finally {
      hold.open();
      await client.drain().catch(() => undefined);
      await server.drain().catch(() => undefined);
      await nats.stop();
    }
  });
});
