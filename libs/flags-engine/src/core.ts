// Flag evaluation and the flag-set store without the admin side and the OpenFeature provider: loads neither the NATS
// client (until a store follows a bucket) nor the OpenFeature server SDK, for the edge agent's cold start. The
// package index re-exports it whole.
export * from './flag-set';
export * from './flag-set-validation';
export * from './flag-set-diff';
export * from './flag-set-history';
export * from './model-flag-check';
export * from './flag-set-store';
export * from './ofrep';
export * from './flag-resolution';
export * from './model-flags';
export * from './header-context';
export * from './feature-toggles';
