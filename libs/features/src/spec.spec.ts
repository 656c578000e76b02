import { AviaryError } from '@aviary/contracts';
import { fitFeatureSpec } from './fit';
import { FeatureSpec, parseFeatureSpec } from './spec';
import { flightRows, flightsDefinition } from './testing/flights-fixture';

const spec = fitFeatureSpec(flightsDefinition, flightRows);

function parseError(json: unknown): string {
  try {
    parseFeatureSpec(json);
  } catch (e) {
    expect(e).toBeInstanceOf(AviaryError);
    expect((e as AviaryError).code).toBe('INVALID_ARGUMENT');
    return (e as Error).message;
  }
  throw new Error('expected parseFeatureSpec to throw');
}

const edit = (change: (copy: FeatureSpec) => void): unknown => {
  const copy = structuredClone(spec);
  change(copy);
  return copy;
};

describe('parseFeatureSpec', () => {
  it('accepts a fitted spec after a JSON round trip, unchanged', () => {
    const json = JSON.stringify(spec);
    expect(parseFeatureSpec(JSON.parse(json))).toEqual(spec);
    expect(JSON.stringify(parseFeatureSpec(JSON.parse(json)))).toBe(json);
  });

  it('accepts a regression contract naming the output that holds the value', () => {
    const regression = edit((s) => Object.assign(s, { prediction: { task: 'regression', valueOutput: 'value' } }));
    expect(parseFeatureSpec(regression).prediction).toEqual({ task: 'regression', valueOutput: 'value' });
  });

  it.each<[string, unknown, string]>([
    ['not an object', 'spec', 'invalid feature spec: Invalid input: expected object, received string'],
    [
      'another spec version',
      edit((s) => Object.assign(s, { specVersion: 2 })),
      'specVersion: Invalid input: expected 1',
    ],
    [
      'a std of zero',
      edit((s) => Object.assign(s.transforms[0], { std: 0 })),
      'transforms.0.std: Too small: expected number to be >0',
    ],
    ['an unknown field', edit((s) => Object.assign(s, { extra: true })), 'Unrecognized key: "extra"'],
    ['an unknown transform kind', edit((s) => Object.assign(s.transforms[0], { kind: 'bucket' })), 'transforms.0.kind'],
    [
      'a duplicate category',
      edit((s) => Object.assign(s.transforms[1], { categories: ['ORD', 'ORD'] })),
      'transforms.1.categories: duplicate category "ORD"',
    ],
    [
      'a transform of an undeclared input',
      edit((s) => Object.assign(s.transforms[0], { input: 'miles' })),
      'transforms.0.input: unknown input "miles"; declared: date, distance, origin, destination',
    ],
    [
      'featureNames out of step',
      edit((s) => s.featureNames.reverse()),
      'featureNames: do not match the transforms: column 0 should be "log1p(distance)", got "date.dayOfWeek=sun"',
    ],
    [
      'a missing feature name',
      edit((s) => s.featureNames.pop()),
      'featureNames: do not match the transforms: expected 17 columns, got 16',
    ],
    [
      'the same output for label and probabilities',
      edit((s) => Object.assign(s.prediction, { labelOutput: 'probabilities' })),
      'prediction.labelOutput: labelOutput and probabilityOutput must name different outputs',
    ],
    [
      'duplicate classes',
      edit((s) => Object.assign(s.prediction, { classes: ['late', 'late'] })),
      'prediction.classes: duplicate class "late"',
    ],
    [
      'an unknown task',
      edit((s) => Object.assign(s.prediction, { task: 'ranking' })),
      "prediction.task: Invalid discriminator value. Expected 'binary' | 'multiclass' | 'regression'",
    ],
    [
      'a regression task with classifier fields',
      edit((s) => Object.assign(s, { prediction: { task: 'regression', valueOutput: 'value', classes: ['a', 'b'] } })),
      'prediction: Unrecognized key: "classes"',
    ],
    [
      'a regression task without its value output',
      edit((s) => Object.assign(s, { prediction: { task: 'regression' } })),
      'prediction.valueOutput: Invalid input: expected string, received undefined',
    ],
  ])('rejects %s with a message naming what is wrong', (_case, json, message) => {
    expect(parseError(json)).toContain(message);
  });
});
