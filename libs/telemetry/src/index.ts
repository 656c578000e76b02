export * from './core';
export * from './health';
export * from './bootstrap';
