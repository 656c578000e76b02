export * from './core';
export * from './messaging.module';
export * from './nats-readiness';
