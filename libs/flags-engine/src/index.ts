export * from './flag-set';
export * from './flag-set-validation';
export * from './flag-set-diff';
export * from './flag-set-history';
export * from './flag-set-admin';
export * from './model-flags';
export * from './flag-set-store';
export * from './ofrep';
