// Declarative, versioned feature pipelines: fit a definition on training rows, replay the fitted spec anywhere.
export { pipelineDefinitionSchema, parsePipelineDefinition } from './definition';
export type { PipelineDefinition, ResolvedPipelineDefinition } from './definition';
export { featureSpecSchema, parseFeatureSpec, FEATURE_SPEC_VERSION } from './spec';
export type {
  FeatureSpec,
  TransformSpec,
  NumericTransform,
  CategoricalTransform,
  DatetimeTransform,
  BoolTransform,
} from './spec';
export type { InputField, InputType, PredictionSpec, DatetimePart } from './schema-parts';
export { fitFeatureSpec } from './fit';
export { applyFeatureSpec, compileFeatureSpec, featureTensorMetadata } from './apply';
export type { CompiledFeatureSpec } from './apply';
export { interpretOutputs } from './predictions';
export type { Prediction } from './predictions';
export { recordsToTensors, tensorsToRecords } from './raw-records';
