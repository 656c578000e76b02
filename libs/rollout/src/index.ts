export * from './serving-report';
export * from './variant-report';
export * from './shadow-comparison';
export * from './prometheus';
