// W3C trace context in NATS message headers: inject on send, extract on receive.
import { context, Context, propagation, Span, SpanKind, TextMapGetter, TextMapSetter, trace } from '@opentelemetry/api';
import { headers as natsHeaders, MsgHdrs } from 'nats';

const setter: TextMapSetter<MsgHdrs> = { set: (carrier, key, value) => carrier.set(key, value) };
const getter: TextMapGetter<MsgHdrs | undefined> = {
  get: (carrier, key) => carrier?.get(key) || undefined,
  keys: (carrier) => (carrier ? carrier.keys() : []),
};

export function injectContext(ctx: Context, into: MsgHdrs = natsHeaders()): MsgHdrs {
  propagation.inject(ctx, into, setter);
  return into;
}

export function extractContext(ctx: Context, from: MsgHdrs | undefined): Context {
  return propagation.extract(ctx, from, getter);
}

/** A CLIENT span for a request on `subject`, and the headers that carry it to whoever answers. */
export function startSendSpan(subject: string): { span: Span; headers: MsgHdrs } {
  const span = trace.getTracer('aviary').startSpan(`send ${subject}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'messaging.system': 'nats',
      'messaging.destination.name': subject,
      'messaging.operation.type': 'send',
    },
  });
  return { span, headers: injectContext(trace.setSpan(context.active(), span)) };
}
