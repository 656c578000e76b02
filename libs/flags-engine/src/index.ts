export * from './core';
export * from './flag-set-admin';
export * from './provider';
