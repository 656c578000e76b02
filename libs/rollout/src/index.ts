export * from './serving-report';
export * from './variant-report';
export * from './condition';
export * from './rollout-document';
export * from './builtin-metrics';
export * from './rollout-machine';
