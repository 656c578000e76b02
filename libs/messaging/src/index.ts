export * from './headers';
export * from './rpc';
export * from './json';
export * from './connection';
export * from './messaging.module';
export * from './nats-readiness';
export * from './kv-watch';
export * from './gather';
