export * from './datatypes';
export * from './model-session';
