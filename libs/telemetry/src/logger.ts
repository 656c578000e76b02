// JSON logs with the active trace and span ids, so a log line leads straight to its trace.
import { context, trace } from '@opentelemetry/api';
import pino, { LevelWithSilent, Logger } from 'pino';

export type { Logger };

// Loggers are created at import, before the configuration is validated: they start at info and take LOG_LEVEL
// from setLogLevel once it is known. They live as long as the process, so holding them here leaks nothing.
let configuredLevel: LevelWithSilent = 'info';
const loggers = new Set<Logger>();

export function createLogger(service: string): Logger {
  const logger = pino({
    level: configuredLevel,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const span = trace.getSpan(context.active());
      if (!span) return {};
      const { traceId, spanId } = span.spanContext();
      return { trace_id: traceId, span_id: spanId };
    },
  });
  loggers.add(logger);
  return logger;
}

/** The validated LOG_LEVEL, for every logger: those created so far and those created after. */
export function setLogLevel(level: LevelWithSilent): void {
  configuredLevel = level;
  for (const logger of loggers) logger.level = level;
}
