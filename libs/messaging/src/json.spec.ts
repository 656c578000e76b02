import { AviaryError } from '@aviary/contracts';
import { propagation, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { headers } from 'nats';
import { extractContext, injectContext } from './headers';
import { decodeJson, encodeJson } from './json';

describe('encodeJson / decodeJson', () => {
  it('round-trips a control message', () => {
    const message = { model: 'flight-delay', versions: ['1', '2'], ready: true, weight: 0.25 };
    expect(decodeJson(encodeJson(message), 'status reply')).toEqual(message);
  });

  it('rejects a body that is not JSON as INVALID_ARGUMENT, naming what it was', () => {
    try {
      decodeJson(new TextEncoder().encode('{"model": '), 'flag evaluation request');
      throw new Error('expected a rejection');
    } catch (e) {
      expect(e).toBeInstanceOf(AviaryError);
      expect((e as AviaryError).code).toBe('INVALID_ARGUMENT');
      expect((e as AviaryError).message).toBe('flag evaluation request is not valid JSON');
    }
  });
});

describe('trace context in NATS headers', () => {
  beforeAll(() => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });

  afterAll(() => {
    propagation.disable();
  });

  it('carries the trace id, span id and sampled flag across as a W3C traceparent header', () => {
    const spanContext = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
    };
    const hdrs = injectContext(trace.setSpanContext(ROOT_CONTEXT, spanContext));
    expect(hdrs.get('traceparent')).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');

    const received = trace.getSpanContext(extractContext(ROOT_CONTEXT, hdrs));
    expect(received).toMatchObject({ ...spanContext, isRemote: true });
  });

  it('adds to headers it is given, keeping what they already hold', () => {
    const hdrs = headers();
    hdrs.set('Aviary-Op', 'ready');
    const spanContext = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.NONE,
    };
    injectContext(trace.setSpanContext(ROOT_CONTEXT, spanContext), hdrs);
    expect(hdrs.get('Aviary-Op')).toBe('ready');
    expect(hdrs.get('traceparent')).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00');
  });

  it('starts no trace from a message without headers or without a traceparent', () => {
    expect(trace.getSpanContext(extractContext(ROOT_CONTEXT, undefined))).toBeUndefined();
    expect(trace.getSpanContext(extractContext(ROOT_CONTEXT, headers()))).toBeUndefined();
  });
});
