// Test helpers; the process supervisor (nats-server, services, the whole stack) is @aviary/supervisor's, shared with
// `npm start`, and re-exported here so a test imports its tools from one place.
export * from '@aviary/supervisor';
export * from './rejection';
export * from './grpc-client';
export * from './shared-fixtures';
export * from './flagd-testbed';
export * from './prometheus-server';
export * from './failing-graph';
export * from './demo-bundles';
export * from './faulty-version';
