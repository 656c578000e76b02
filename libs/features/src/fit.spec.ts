import { AviaryError } from '@aviary/contracts';
import { fitFeatureSpec } from './fit';
import { flightRows, flightsDefinition } from './testing/flights-fixture';

describe('fitFeatureSpec', () => {
  const spec = fitFeatureSpec(flightsDefinition, flightRows);

  it('records the inputs with their defaults filled in', () => {
    expect(spec.specVersion).toBe(1);
    expect(spec.inputs).toEqual([
      { name: 'date', type: 'datetime', required: true, description: 'scheduled departure, local time' },
      { name: 'distance', type: 'number', required: true },
      { name: 'origin', type: 'string', required: true },
      { name: 'destination', type: 'string', required: false },
    ]);
    expect(spec.output).toEqual({ name: 'features', datatype: 'FP32' });
  });

  it('fits the median, then mean and std of the signed log1p values', () => {
    const numeric = spec.transforms[0];
    const logs = [100, 1000, 300, 2000, 500, 700].map(Math.log1p);
    const mean = logs.reduce((a, b) => a + b) / logs.length;
    const std = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / logs.length);
    expect(numeric).toEqual({
      kind: 'numeric',
      input: 'distance',
      log1p: true,
      impute: 600,
      mean: expect.closeTo(mean, 12),
      std: expect.closeTo(std, 12),
    });
  });

  it('keeps the top-K categories that reach the minimum count, most frequent first, ties by name', () => {
    expect(spec.transforms[1]).toEqual({
      kind: 'categorical',
      input: 'origin',
      categories: ['ORD', 'ATL'],
      missing: 'category',
    });
    expect(spec.transforms[2]).toEqual({
      kind: 'categorical',
      input: 'destination',
      categories: ['LAX', 'SFO'],
      missing: 'category',
    });
  });

  it('lays out the columns deterministically and names them', () => {
    expect(spec.featureNames).toEqual([
      'log1p(distance)',
      'origin=ORD',
      'origin=ATL',
      'origin=<other>',
      'destination=LAX',
      'destination=SFO',
      'destination=<other>',
      'destination=<missing>',
      'date.hour_sin',
      'date.hour_cos',
      ...['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => `date.dayOfWeek=${d}`),
    ]);
  });

  it('gives the same spec for the same rows, whatever ran before', () => {
    expect(fitFeatureSpec(flightsDefinition, flightRows)).toEqual(spec);
    expect(JSON.stringify(fitFeatureSpec(flightsDefinition, [...flightRows]))).toBe(JSON.stringify(spec));
  });

  it('imputes the median of the observed values for an optional number and ignores missing ones when fitting', () => {
    const fitted = fitFeatureSpec(
      {
        inputs: [{ name: 'mass', type: 'number', required: false }],
        transforms: [{ kind: 'numeric', input: 'mass' }],
        prediction: flightsDefinition.prediction,
      },
      [{ mass: 1 }, { mass: null }, { mass: 3 }, {}, { mass: 10 }],
    );
    // The imputed rows count at the median, exactly as they will when applied.
    expect(fitted.transforms[0]).toMatchObject({ impute: 3, mean: (1 + 3 + 3 + 3 + 10) / 5 });
  });

  it('uses std 1 for a constant column instead of dividing by zero', () => {
    const fitted = fitFeatureSpec(
      {
        inputs: [{ name: 'x', type: 'number' }],
        transforms: [{ kind: 'numeric', input: 'x' }],
        prediction: flightsDefinition.prediction,
      },
      [{ x: 5 }, { x: 5 }],
    );
    expect(fitted.transforms[0]).toMatchObject({ mean: 5, std: 1 });
  });

  it('fits the mode of a bool and records the impute strategy of a categorical', () => {
    const fitted = fitFeatureSpec(
      {
        inputs: [
          { name: 'member', type: 'bool', required: false },
          { name: 'sex', type: 'string', required: false },
        ],
        transforms: [
          { kind: 'bool', input: 'member' },
          { kind: 'categorical', input: 'sex', missing: 'mode' },
        ],
        prediction: flightsDefinition.prediction,
      },
      [
        { member: true, sex: 'F' },
        { member: true, sex: null },
        { member: false, sex: 'M' },
        { member: null, sex: 'F' },
      ],
    );
    expect(fitted.transforms).toEqual([
      { kind: 'bool', input: 'member', impute: true },
      { kind: 'categorical', input: 'sex', categories: ['F', 'M'], missing: 'mode' },
    ]);
    expect(fitted.featureNames).toEqual(['member', 'sex=F', 'sex=M', 'sex=<other>']);
  });

  describe('rejects', () => {
    const fitError = (definition: unknown, rows: Record<string, unknown>[] = flightRows) => {
      try {
        fitFeatureSpec(definition as typeof flightsDefinition, rows);
      } catch (e) {
        expect(e).toBeInstanceOf(AviaryError);
        expect((e as AviaryError).code).toBe('INVALID_ARGUMENT');
        return (e as Error).message;
      }
      throw new Error('expected fitFeatureSpec to throw');
    };

    it('a transform of an undeclared input', () => {
      const definition = { ...flightsDefinition, transforms: [{ kind: 'numeric', input: 'dist' }] };
      expect(fitError(definition)).toBe(
        'invalid pipeline definition: transforms.0.input: unknown input "dist"; declared: date, distance, origin, destination',
      );
    });

    it('a transform whose kind does not fit the input type', () => {
      const definition = { ...flightsDefinition, transforms: [{ kind: 'numeric', input: 'origin' }] };
      expect(fitError(definition)).toContain('a numeric transform reads a number input, but "origin" is string');
    });

    it('duplicate inputs, an unknown kind and a misspelt option', () => {
      const definition = {
        ...flightsDefinition,
        inputs: [...(flightsDefinition.inputs as object[]), { name: 'origin', type: 'string' }],
        transforms: [{ kind: 'numeric', input: 'distance', log: true }],
      };
      const message = fitError(definition);
      expect(message).toContain('inputs.4.name: duplicate input "origin"');
      expect(message).toContain('transforms.0');
      expect(message).toContain('"log"');
    });

    it('a binary task without exactly two classes', () => {
      const definition = {
        ...flightsDefinition,
        prediction: { ...flightsDefinition.prediction, classes: ['a', 'b', 'c'] },
      };
      expect(fitError(definition)).toContain('prediction.classes: a binary task has exactly 2 classes, got 3');
    });

    it('training rows with a mistyped or missing required value, naming the row', () => {
      expect(fitError(flightsDefinition, [flightRows[0], { ...flightRows[1], distance: '1000' }])).toBe(
        'input "distance" must be a number, got "1000" (row 1)',
      );
      expect(fitError(flightsDefinition, [{ date: '2001/01/01 06:00', distance: 1, destination: 'LAX' }])).toBe(
        'missing input "origin" (row 0)',
      );
    });

    it('zero rows, a numeric input that never has a value, and a categorical with nothing frequent enough', () => {
      expect(fitError(flightsDefinition, [])).toBe('cannot fit a feature spec on zero rows');
      const optional = {
        inputs: [{ name: 'x', type: 'number', required: false }],
        transforms: [{ kind: 'numeric', input: 'x' }],
        prediction: flightsDefinition.prediction,
      };
      expect(fitError(optional, [{ x: null }])).toBe(
        'cannot fit numeric transform of "x": no training row has a value',
      );
      const rare = { ...flightsDefinition, transforms: [{ kind: 'categorical', input: 'origin', minCount: 10 }] };
      expect(fitError(rare)).toBe(
        'cannot fit categorical transform of "origin": no category occurs at least 10 times in the training rows',
      );
    });
  });
});
