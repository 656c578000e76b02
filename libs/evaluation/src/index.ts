export * from './metrics';
export * from './gate';
export * from './evaluate';
