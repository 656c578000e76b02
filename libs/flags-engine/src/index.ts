export * from './flag-set';
