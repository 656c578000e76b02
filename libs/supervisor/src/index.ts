export * from './ports';
export * from './process';
export * from './nats-server';
export * from './workspace';
export * from './stack';
