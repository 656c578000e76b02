export * from './flag-set';
export * from './flag-set-store';
export * from './ofrep';
export * from './flag-resolution';
export * from './provider';
export * from './model-flags';
