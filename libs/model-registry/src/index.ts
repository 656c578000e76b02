export * from './core';
export * from './model-registry';
export * from './manifest-cache';
export * from './version-status';
export * from './serving-pointers';
