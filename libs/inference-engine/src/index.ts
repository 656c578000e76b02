export * from './datatypes';
export * from './model-signature';
export * from './model-session';
export * from './micro-batcher';
export * from './tensor-batch';
