// The library without its Nest module (MessagingModule, NatsReadiness): for code that talks to NATS outside Nest, so
// it never loads @nestjs/common (the edge agent, and the libraries it uses). The package index re-exports it whole.
export * from './headers';
export * from './rpc';
export { NoResponders } from './reply-inbox';
export { isMissingMessage } from './nats-failure';
export * from './json';
export * from './connection';
export * from './kv-watch';
export * from './gather';
export * from './event-log';
export * from './leader-lease';
