// Batch scoring: input readers and chunk plans, scoring in large batches, output writers, progress, and the job
// store and executor on NATS that batch-worker, the CLI and the gateway share.
export * from './rows';
export * from './input-plan';
export * from './writers';
export * from './scoring';
export * from './progress';
export * from './batch-store';
export * from './batch-jobs';
export * from './executor';
export * from './version-loader';
export * from './schedule';
export * from './scheduler';
export * from './retention';
