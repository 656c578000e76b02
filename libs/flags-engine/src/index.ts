export * from './flag-set';
export * from './flag-set-validation';
export * from './flag-set-store';
export * from './ofrep';
