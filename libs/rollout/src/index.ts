export * from './serving-report';
export * from './variant-report';
