import { AviaryError } from '@aviary/contracts';
import { applyFeatureSpec, featureTensorMetadata } from './apply';
import { fitFeatureSpec } from './fit';
import { parseFeatureSpec } from './spec';
import { flightRows, flightsDefinition, imputingDefinition, imputingRows } from './testing/flights-fixture';

const spec = fitFeatureSpec(flightsDefinition, flightRows);
const record = { date: '2001/01/14 21:55', distance: 1452, origin: 'ORD', destination: 'LAX' };

/** The output row as a { featureName: value } map, for readable assertions. */
function named(values: Float32Array, row = 0): Record<string, number> {
  const width = spec.featureNames.length;
  return Object.fromEntries(spec.featureNames.map((name, c) => [name, values[row * width + c]]));
}

function applyError(records: unknown[]): string {
  try {
    applyFeatureSpec(spec, records);
  } catch (e) {
    expect(e).toBeInstanceOf(AviaryError);
    expect((e as AviaryError).code).toBe('INVALID_ARGUMENT');
    return (e as Error).message;
  }
  throw new Error('expected applyFeatureSpec to throw');
}

describe('applyFeatureSpec', () => {
  it('returns one FP32 [N, D] tensor named by the spec', () => {
    const [tensor, ...rest] = applyFeatureSpec(spec, [record, record]);
    expect(rest).toEqual([]);
    expect(tensor.name).toBe('features');
    expect(tensor.datatype).toBe('FP32');
    expect(tensor.shape).toEqual([2, spec.featureNames.length]);
    expect(tensor.data).toBeInstanceOf(Float32Array);
    expect(featureTensorMetadata(spec)).toEqual([{ name: 'features', datatype: 'FP32', shape: [-1, 17] }]);
  });

  it('standardizes numbers, one-hot encodes categories and encodes datetime parts', () => {
    const [{ data }] = applyFeatureSpec(spec, [record]);
    const numeric = spec.transforms[0] as { mean: number; std: number };
    const hour = ((21 + 55 / 60) / 24) * 2 * Math.PI;
    expect(named(data as Float32Array)).toEqual({
      'log1p(distance)': Math.fround((Math.log1p(1452) - numeric.mean) / numeric.std),
      'origin=ORD': 1,
      'origin=ATL': 0,
      'origin=<other>': 0,
      'destination=LAX': 1,
      'destination=SFO': 0,
      'destination=<other>': 0,
      'destination=<missing>': 0,
      'date.hour_sin': Math.fround(Math.sin(hour)),
      'date.hour_cos': Math.fround(Math.cos(hour)),
      // 2001-01-14 was a Sunday.
      'date.dayOfWeek=mon': 0,
      'date.dayOfWeek=tue': 0,
      'date.dayOfWeek=wed': 0,
      'date.dayOfWeek=thu': 0,
      'date.dayOfWeek=fri': 0,
      'date.dayOfWeek=sat': 0,
      'date.dayOfWeek=sun': 1,
    });
  });

  it('sends unseen categories to the "other" slot and missing optional ones to the "missing" slot', () => {
    const [{ data }] = applyFeatureSpec(spec, [
      { ...record, origin: 'JFK', destination: 'BOS' },
      { ...record, destination: null },
      { date: record.date, distance: 1, origin: 'ATL' },
    ]);
    expect(named(data as Float32Array, 0)).toMatchObject({
      'origin=<other>': 1,
      'origin=ORD': 0,
      'destination=<other>': 1,
    });
    expect(named(data as Float32Array, 1)).toMatchObject({ 'destination=<missing>': 1, 'destination=LAX': 0 });
    expect(named(data as Float32Array, 2)).toMatchObject({ 'origin=ATL': 1, 'destination=<missing>': 1 });
  });

  it('imputes the fitted median, mode and bool for missing optional values', () => {
    const imputing = fitFeatureSpec(imputingDefinition, imputingRows);
    const { mean, std } = imputing.transforms[0] as { mean: number; std: number };
    const [{ data }] = applyFeatureSpec(imputing, [{}, { mass: 4, sex: 'F', member: true }]);
    const width = imputing.featureNames.length;
    expect(width).toBe(1 + 3 + 1 + 12 + 2);
    // A missing datetime leaves its columns at zero.
    const imputed = [Math.fround((4 - mean) / std), 1, 0, 0, 1, ...new Array(14).fill(0)];
    expect(Array.from(data.slice(0, width) as Float32Array)).toEqual(imputed);
    expect(Array.from(data.slice(width) as Float32Array)).toEqual(imputed);
  });

  it('parses ISO 8601 datetimes by their wall-clock fields, ignoring the offset', () => {
    const [{ data }] = applyFeatureSpec(spec, [
      record,
      { ...record, date: '2001-01-14T21:55:00Z' },
      { ...record, date: '2001-01-14T21:55:00.123+05:30' },
      { ...record, date: '2001-01-14 21:55' },
    ]);
    const rows = [0, 1, 2, 3].map((r) => named(data as Float32Array, r));
    expect(rows[1]).toEqual(rows[0]);
    expect(rows[2]).toEqual(rows[0]);
    expect(rows[3]).toEqual(rows[0]);
  });

  it('gives identical bytes for identical records, one at a time or in a batch', () => {
    const one = applyFeatureSpec(
      spec,
      [flightRows[1]].map(({ delay: _delay, ...r }) => r),
    )[0].data as Float32Array;
    const batch = applyFeatureSpec(
      spec,
      flightRows.map(({ delay: _delay, ...r }) => r),
    )[0].data as Float32Array;
    expect(Array.from(batch.slice(spec.featureNames.length, 2 * spec.featureNames.length))).toEqual(Array.from(one));
  });

  it('applies a spec that went through JSON exactly as the original', () => {
    const roundTripped = parseFeatureSpec(JSON.parse(JSON.stringify(spec)));
    expect(roundTripped).toEqual(spec);
    const records = [record, { ...record, origin: 'XXX', destination: null, date: '2001-02-03T04:05:06Z' }];
    expect(applyFeatureSpec(roundTripped, records)).toEqual(applyFeatureSpec(spec, records));
  });

  describe('rejects, naming the input and the 0-based row', () => {
    it.each([
      [{ ...record, distance: 'abc' }, 'input "distance" must be a number, got "abc" (row 1)'],
      [{ ...record, distance: Number.NaN }, 'input "distance" must be a finite number, got NaN (row 1)'],
      [{ ...record, origin: 7 }, 'input "origin" must be a string, got 7 (row 1)'],
      [{ date: record.date, distance: 1, destination: 'LAX' }, 'missing input "origin" (row 1)'],
      [{ ...record, origin: null }, 'input "origin" is required, got null (row 1)'],
      [{ ...record, foo: 1 }, 'unknown input "foo" (row 1); expected: date, distance, origin, destination'],
      [
        { ...record, date: 'yesterday' },
        'input "date" must be a datetime such as "2001/01/14 21:55" or ISO 8601 "2001-01-14T21:55:00Z", got "yesterday" (row 1)',
      ],
      [
        { ...record, date: 20010114 },
        'input "date" must be a datetime such as "2001/01/14 21:55" or ISO 8601 "2001-01-14T21:55:00Z", got 20010114 (row 1)',
      ],
      [[record], 'each record must be a JSON object, got an array (row 1)'],
      ['ORD', 'each record must be a JSON object, got "ORD" (row 1)'],
      [null, 'each record must be a JSON object, got null (row 1)'],
      [new Date(0), 'each record must be a JSON object, got an object (row 1)'],
    ])('%j', (bad, message) => {
      expect(applyError([record, bad])).toBe(message);
    });

    it.each([
      '2001/02/29 10:00',
      '2001-13-01',
      '2001-01-14T24:00',
      '2001-01-14T21:60',
      '2001-01-14T21:55:00+2',
      '2001/01-14',
      '2001-01-14T21:55Zx',
      '01/14/2001',
    ])('the impossible or unsupported datetime %s', (date) => {
      expect(applyError([{ ...record, date }])).toContain('input "date" must be a datetime');
    });

    it('a type mismatch of an optional input when it is present', () => {
      expect(applyError([{ ...record, destination: 3 }])).toBe('input "destination" must be a string, got 3 (row 0)');
    });

    it('an empty batch', () => {
      expect(applyError([])).toBe('records must be a non-empty array of objects');
    });

    it('an inherited property as an input value', () => {
      const onlyInputs = fitFeatureSpec(
        {
          inputs: [{ name: 'toString', type: 'number', required: false }],
          transforms: [{ kind: 'numeric', input: 'toString' }],
          prediction: flightsDefinition.prediction,
        },
        [{ toString: 1 }],
      );
      expect(applyFeatureSpec(onlyInputs, [{}])[0].data).toEqual(new Float32Array([0]));
    });
  });
});
