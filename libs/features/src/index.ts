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
export type {
  ClassifierPredictionSpec,
  DatetimePart,
  InputField,
  InputType,
  PredictionSpec,
  RegressionPredictionSpec,
} from './schema-parts';
export { fitFeatureSpec } from './fit';
export { applyFeatureSpec, compileFeatureSpec, featureTensorMetadata } from './apply';
export type { ColumnarRecords, CompiledFeatureSpec, EncodedColumns, ToggleRun } from './apply';
export {
  classPredictions,
  interpretOutputs,
  isColumn,
  isFloat,
  predictionColumns,
  valuePredictions,
} from './predictions';
export type {
  ClassColumns,
  ClassPrediction,
  Prediction,
  PredictionColumns,
  ValueColumns,
  ValuePrediction,
} from './predictions';
export { recordsToTensors, tensorsToRecords } from './raw-records';
export { isClassPrediction, versionPipeline } from './version-pipeline';
export type { RecordPrediction, VersionPipeline } from './version-pipeline';
