export * from './serving-report';
