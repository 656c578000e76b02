// The demo models: which data, which feature pipeline, which training settings. Versions of one model share the
// dataset, the split and the raw input contract, so a rollout can send the same records to either version.
import type { ClassifierPredictionSpec, PipelineDefinition, RegressionPredictionSpec } from '@aviary/features';
import type { DatasetName } from './datasets';
import type { TrainingOptions } from './linear-classifier';
import type { RidgeOptions } from './linear-regressor';
import type { SplitOptions } from './split';

interface RecipeOf<P, T> {
  name: string;
  version: number;
  dataset: DatasetName;
  split: SplitOptions;
  definition: PipelineDefinition & { prediction: P };
  training: T;
}

/** Softmax (or, for two classes, logistic) regression trained by Adam. */
export type ClassifierRecipe = RecipeOf<ClassifierPredictionSpec, TrainingOptions>;
/** Ridge regression solved in closed form. */
export type RegressorRecipe = RecipeOf<RegressionPredictionSpec, RidgeOptions>;
export type ModelRecipe = ClassifierRecipe | RegressorRecipe;

export const isRegressor = (recipe: ModelRecipe): recipe is RegressorRecipe =>
  recipe.definition.prediction.task === 'regression';

const SPLIT: SplitOptions = { seed: 20010114, testFraction: 0.2 };

const flightInputs: PipelineDefinition['inputs'] = [
  { name: 'date', type: 'datetime', description: 'scheduled departure, local time: "2001/01/14 21:55" or ISO 8601' },
  { name: 'distance', type: 'number', description: 'flight distance in miles' },
  { name: 'origin', type: 'string', description: 'IATA code of the departure airport, e.g. "ORD"' },
  { name: 'destination', type: 'string', description: 'IATA code of the arrival airport, e.g. "LAX"' },
];

const flightPrediction: ClassifierPredictionSpec = {
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
  {
    name: 'car-mpg',
    version: 1,
    dataset: 'cars',
    split: SPLIT,
    definition: {
      inputs: [
        { name: 'cylinders', type: 'number' },
        { name: 'displacement', type: 'number', description: 'engine displacement in cubic inches' },
        { name: 'horsepower', type: 'number', required: false },
        { name: 'weight_lbs', type: 'number', description: 'weight in pounds' },
        { name: 'acceleration', type: 'number', description: 'seconds from 0 to 60 mph' },
        { name: 'model_year', type: 'number', description: 'e.g. 1976' },
        { name: 'origin', type: 'string', description: 'USA, Europe or Japan' },
      ],
      transforms: [
        { kind: 'numeric', input: 'cylinders' },
        { kind: 'numeric', input: 'displacement', log1p: true },
        { kind: 'numeric', input: 'horsepower', log1p: true },
        { kind: 'numeric', input: 'weight_lbs', log1p: true },
        { kind: 'numeric', input: 'acceleration' },
        { kind: 'numeric', input: 'model_year' },
        { kind: 'categorical', input: 'origin' },
      ],
      prediction: { task: 'regression', valueOutput: 'value' },
    },
    training: { l2: 1e-4 },
  },
];
