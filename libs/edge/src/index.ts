export * from './bundle';
export * from './update-gate';
