export * from './datatypes';
export * from './model-session';
export * from './micro-batcher';
