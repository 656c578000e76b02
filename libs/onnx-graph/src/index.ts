export * from './zipmap-rewrite';
export * from './rewrite-verification';
