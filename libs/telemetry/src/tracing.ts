// OpenTelemetry bootstrap: W3C trace context everywhere, OTLP/HTTP export only when OTEL_EXPORTER_OTLP_ENDPOINT is set.
import { context, propagation, trace, Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, BatchSpanProcessor, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type * as OtlpHttp from '@opentelemetry/exporter-trace-otlp-http';

export interface Tracing {
  tracer: Tracer;
  /** Flushes buffered spans; call last on shutdown. */
  shutdown(): Promise<void>;
}

/** The OTEL_* variables Aviary reads itself, validated with the rest of the app's configuration (commonEnv). */
export interface TracingConfig {
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  OTEL_BSP_SCHEDULE_DELAY: number;
  OTEL_SERVICE_NAME?: string;
}

let active: Tracing | undefined;

export function startTracing(serviceName: string, config: TracingConfig): Tracing {
  if (active) return active;
  const spanProcessors: SpanProcessor[] = [];
  if (config.OTEL_EXPORTER_OTLP_ENDPOINT) {
    // Loaded only when spans are exported: it costs a process that exports none (the edge agent's cold start) about a
    // second on a busy 2-core machine.
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttp;
    // The exporter reads the endpoint (and the SDK's other OTLP variables) from the environment itself.
    spanProcessors.push(
      new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: config.OTEL_BSP_SCHEDULE_DELAY }),
    );
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.OTEL_SERVICE_NAME ?? serviceName }),
    spanProcessors,
    // Without an exporter nothing would read the spans: record none, but still mint trace ids and propagate
    // context (responses and logs keep their trace ids).
    ...(spanProcessors.length === 0 && { sampler: new AlwaysOffSampler() }),
  });
  // Registers the AsyncLocalStorage context manager, so the active span follows async calls.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  active = { tracer: trace.getTracer('aviary'), shutdown: () => provider.shutdown() };
  return active;
}

export function tracer(): Tracer {
  return trace.getTracer('aviary');
}

/** The trace id of the active span, or undefined outside a trace. */
export function currentTraceId(): string | undefined {
  const span = trace.getSpan(context.active());
  return span?.spanContext().traceId;
}

export { context, propagation, trace };
