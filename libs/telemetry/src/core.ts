// The library without its Nest parts (HealthController, runService): what a process that starts no Nest imports, so
// it never loads @nestjs/common (the edge agent; see README, "Edge agent"). The package index re-exports it whole.
export * from './tracing';
export * from './batch-span';
export * from './logger';
export * from './metrics';
export * from './latency-quantiles';
