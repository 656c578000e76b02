// W3C trace context in NATS message headers: inject on send, extract on receive.
import { Context, propagation, TextMapGetter, TextMapSetter } from '@opentelemetry/api';
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
