// What turns one model version's raw records into its input tensors, and its output tensors back into one
// prediction per record: by the version's feature spec when it has one, otherwise by its input and output names.
import { Tensor, TensorMetadata } from '@aviary/contracts';
import { compileFeatureSpec, ToggleRun } from './apply';
import { ClassPrediction, interpretOutputs, Prediction } from './predictions';
import { recordsToTensors, tensorsToRecords } from './raw-records';
import { parseFeatureSpec } from './spec';

/** Without a spec, a record's keys are the model's input names and a prediction holds each output's row. */
export type RecordPrediction = Prediction | Record<string, unknown>;

export const isClassPrediction = (p: RecordPrediction): p is ClassPrediction =>
  'probability' in p && typeof p.label === 'string' && typeof p.probability === 'number';

export interface VersionPipeline {
  /** The flag keys of the spec's feature toggles, each once; empty without a spec or toggles. */
  readonly toggles: readonly string[];
  /** `runs` say which toggles are off for which records (see CompiledFeatureSpec.apply); without them all are on. */
  toTensors(records: readonly unknown[], runs?: readonly ToggleRun[]): Tensor[];
  /** Throws INTERNAL when the outputs do not match the spec: the model and its spec disagree. */
  toPredictions(outputs: readonly Tensor[]): RecordPrediction[];
}

/** Parses and compiles the spec once; keep the pipeline for as long as the (immutable) version lives. */
export function versionPipeline(version: {
  inputs: readonly TensorMetadata[];
  featureSpec?: unknown;
}): VersionPipeline {
  if (version.featureSpec === undefined) {
    return {
      toggles: [],
      toTensors: (records) => recordsToTensors(version.inputs, records),
      toPredictions: tensorsToRecords,
    };
  }
  const compiled = compileFeatureSpec(parseFeatureSpec(version.featureSpec));
  return {
    toggles: compiled.toggles,
    toTensors: (records, runs) => compiled.apply(records, runs),
    toPredictions: (outputs) => interpretOutputs(compiled.spec, outputs),
  };
}
