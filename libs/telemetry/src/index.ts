export * from './tracing';
export * from './batch-span';
export * from './logger';
export * from './metrics';
export * from './health';
export * from './bootstrap';
