export * from './metrics';
export * from './gate';
export * from './evaluate';
export * from './prng';
