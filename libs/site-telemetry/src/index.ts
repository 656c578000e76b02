export * from './outbox';
export * from './version-summaries';
export * from './site-telemetry';
