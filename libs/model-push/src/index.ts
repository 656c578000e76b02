export * from './push-pipeline';
export * from './spec-compatibility';
