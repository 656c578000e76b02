// Request/reply over NATS with tracing, deadlines and typed errors: the one seam every service call goes through.
import { AviaryError, ERROR_HEADER, OP_HEADER, toAviaryError } from '@aviary/contracts';
import { createLogger } from '@aviary/telemetry/core';
import { context, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { headers as natsHeaders, Msg, MsgHdrs, NatsConnection, Subscription } from 'nats';
import { extractContext, startSendSpan } from './headers';
import { natsFailure } from './nats-failure';
import { ReplyInbox } from './reply-inbox';

export interface RequestOptions {
  timeoutMs: number;
  /** Sent in the Aviary-Op header for secondary operations on the same subject (e.g. "ready"). */
  op?: string;
}

export interface IncomingRequest {
  subject: string;
  data: Uint8Array;
  op?: string;
  headers?: MsgHdrs;
}

export type RequestHandler = (request: IncomingRequest, span: Span) => Promise<Uint8Array>;

const log = createLogger('messaging');
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();
const EMPTY = new Uint8Array(0);

export class NatsRpc {
  private readonly subscriptions = new Set<Subscription>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly inbox: ReplyInbox;

  constructor(readonly connection: NatsConnection) {
    this.inbox = new ReplyInbox(connection);
  }

  /** False while the NATS connection is down (nats.js reconnecting) or closed. */
  get connected(): boolean {
    return this.inbox.connected;
  }

  /** Sends a request and returns the reply body; a NATS failure becomes UNAVAILABLE or DEADLINE_EXCEEDED at once. */
  async request(subject: string, data: Uint8Array, options: RequestOptions): Promise<Uint8Array> {
    const { span, headers: hdrs } = startSendSpan(subject);
    if (options.op) hdrs.set(OP_HEADER, options.op);
    try {
      const reply = await this.inbox.request(subject, data, { headers: hdrs, timeoutMs: options.timeoutMs });
      const code = reply.headers?.get(ERROR_HEADER);
      if (code) throw new AviaryError(fromUtf8.decode(reply.data), AviaryError.isCode(code) ? code : 'INTERNAL');
      return reply.data;
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  }

  /**
   * Serves a subject (in a queue group when given): a CONSUMER span per message, errors replied as typed errors.
   * Resolves once the server has the subscription, so a caller told "ready" right after never meets no-responders.
   */
  async serve(subject: string, queue: string | undefined, handler: RequestHandler): Promise<Subscription> {
    const subscription = this.connection.subscribe(subject, {
      queue,
      callback: (err, msg) => {
        if (err) return;
        const task = this.handle(subject, msg, handler).finally(() => this.inFlight.delete(task));
        this.inFlight.add(task);
      },
    });
    this.subscriptions.add(subscription);
    await this.connection.flush();
    return subscription;
  }

  async unserve(subscription: Subscription): Promise<void> {
    this.subscriptions.delete(subscription);
    await subscription.drain();
  }

  /** Stops taking requests, finishes the ones in flight, then closes the connection. */
  async drain(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.drain().catch(() => undefined)));
    this.subscriptions.clear();
    await Promise.all(this.inFlight);
    if (!this.connection.isClosed()) await this.connection.drain();
  }

  private async handle(subject: string, msg: Msg, handler: RequestHandler): Promise<void> {
    const parent = extractContext(context.active(), msg.headers);
    const span = trace.getTracer('aviary').startSpan(
      `process ${subject}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'nats',
          'messaging.destination.name': subject,
          'messaging.operation.type': 'process',
        },
      },
      parent,
    );
    await context.with(trace.setSpan(parent, span), async () => {
      try {
        const op = msg.headers?.get(OP_HEADER) || undefined;
        const body = await handler({ subject: msg.subject, data: msg.data, op, headers: msg.headers }, span);
        if (msg.reply) msg.respond(body);
      } catch (thrown) {
        const error = replyFailure(thrown, subject, span.spanContext().traceId);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        const hdrs = natsHeaders();
        hdrs.set(ERROR_HEADER, error.code);
        if (msg.reply) msg.respond(utf8.encode(error.message), { headers: hdrs });
      } finally {
        span.end();
      }
    });
  }
}

/** NATS failures are typed (a reply too large is the caller's to fix); any other unexpected error is logged here. */
function replyFailure(error: unknown, subject: string, traceId: string): AviaryError {
  const known = natsFailure(error, `the reply on ${subject}`);
  if (known) return known;
  if (!(error instanceof AviaryError)) log.error({ err: error, subject }, 'unexpected error handling a request');
  return toAviaryError(error, { log: `the log of the service serving ${subject}`, traceId });
}

export { EMPTY as EMPTY_BODY };
