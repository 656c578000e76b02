// The demo models: which data, which feature pipeline, which training settings. Versions of one model share the
// dataset, the split and the raw input contract, so a rollout can send the same records to either version.
import type { PipelineDefinition } from '@aviary/features';
import type { DatasetName } from './datasets';
import type { TrainingOptions } from './linear-classifier';
import type { SplitOptions } from './split';

export interface ModelRecipe {
  name: string;
  version: number;
  dataset: DatasetName;
  split: SplitOptions;
  definition: PipelineDefinition;
  training: TrainingOptions;
}

const SPLIT: SplitOptions = { seed: 20010114, testFraction: 0.2 };

const flightInputs: PipelineDefinition['inputs'] = [
  { name: 'date', type: 'datetime', description: 'scheduled departure, local time: "2001/01/14 21:55" or ISO 8601' },
  { name: 'distance', type: 'number', description: 'flight distance in miles' },
  { name: 'origin', type: 'string', description: 'IATA code of the departure airport, e.g. "ORD"' },
  { name: 'destination', type: 'string', description: 'IATA code of the arrival airport, e.g. "LAX"' },
];

const flightPrediction: PipelineDefinition['prediction'] = {
  task: 'binary',
  classes: ['on-time', 'late'],
  labelOutput: 'label',
  probabilityOutput: 'probabilities',
};

const flightTraining: TrainingOptions = { epochs: 40, batchSize: 128, learningRate: 0.02, l2: 1e-4, seed: 7 };

export const MODELS: ModelRecipe[] = [
  {
    name: 'flight-delay',
    version: 1,
    dataset: 'flights-20k',
    split: SPLIT,
    definition: {
      inputs: flightInputs,
      transforms: [
        { kind: 'numeric', input: 'distance' },
        { kind: 'datetime', input: 'date', parts: [{ part: 'hour', encoding: 'cyclical' }] },
      ],
      prediction: flightPrediction,
    },
    training: flightTraining,
  },
  {
    name: 'flight-delay',
    version: 2,
    dataset: 'flights-20k',
    split: SPLIT,
    definition: {
      inputs: flightInputs,
      transforms: [
        { kind: 'numeric', input: 'distance', log1p: true },
        { kind: 'categorical', input: 'origin', topK: 40, minCount: 30 },
        { kind: 'categorical', input: 'destination', topK: 40, minCount: 30 },
        {
          kind: 'datetime',
          input: 'date',
          parts: [
            { part: 'hour', encoding: 'cyclical' },
            { part: 'hour', encoding: 'oneHot' },
            { part: 'dayOfWeek', encoding: 'oneHot' },
            { part: 'month', encoding: 'oneHot' },
          ],
        },
      ],
      prediction: flightPrediction,
    },
    training: flightTraining,
  },
  {
    name: 'penguin-species',
    version: 1,
    dataset: 'penguins',
    split: SPLIT,
    definition: {
      inputs: [
        { name: 'island', type: 'string', required: false, description: 'Biscoe, Dream or Torgersen' },
        { name: 'beak_length_mm', type: 'number', required: false },
        { name: 'beak_depth_mm', type: 'number', required: false },
        { name: 'flipper_length_mm', type: 'number', required: false },
        { name: 'body_mass_g', type: 'number', required: false },
        { name: 'sex', type: 'string', required: false, description: 'MALE or FEMALE' },
      ],
      transforms: [
        { kind: 'categorical', input: 'island', missing: 'mode' },
        { kind: 'numeric', input: 'beak_length_mm' },
        { kind: 'numeric', input: 'beak_depth_mm' },
        { kind: 'numeric', input: 'flipper_length_mm' },
        { kind: 'numeric', input: 'body_mass_g' },
        { kind: 'categorical', input: 'sex', minCount: 5, missing: 'category' },
      ],
      prediction: {
        task: 'multiclass',
        classes: ['Adelie', 'Chinstrap', 'Gentoo'],
        labelOutput: 'label',
        probabilityOutput: 'probabilities',
      },
    },
    training: { epochs: 200, batchSize: 32, learningRate: 0.05, l2: 1e-3, seed: 7 },
  },
];
