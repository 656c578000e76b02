export * from './model-registry';
export * from './serving-version';
export * from './manifest-cache';
export * from './version-status';
export * from './serving-pointers';
export * from './requested-version';
