import { AviaryError } from '@aviary/contracts';
import { compileFeatureSpec } from './apply';
import { fitFeatureSpec } from './fit';
import { FeatureSpec } from './spec';
import { flightRows, flightsDefinition, imputingDefinition, imputingRows } from './testing/flights-fixture';

const flights = fitFeatureSpec(flightsDefinition, flightRows);
// With log1p and a cyclical weekday on top, so more encoder paths run than in the shared definition.
const imputing = fitFeatureSpec(
  {
    ...imputingDefinition,
    transforms: imputingDefinition.transforms.map((t) =>
      t.kind === 'numeric'
        ? { ...t, log1p: true }
        : t.kind === 'datetime'
          ? { ...t, parts: [...t.parts, { part: 'dayOfWeek' as const, encoding: 'cyclical' as const }] }
          : t,
    ),
  },
  [...imputingRows, { mass: -4, sex: 'F', member: true }],
);

const good = { date: '2001/01/14 21:55', distance: 1452, origin: 'ORD', destination: 'LAX' };
/** Good, missing, unseen and invalid values in turn, as a batch file would hold them. */
const flightRecords: Record<string, unknown>[] = [
  good,
  { ...good, destination: null },
  { date: '2001-01-14T21:55:00.123+05:30', distance: 0, origin: 'XXX' },
  { ...good, distance: 'far' },
  { ...good, distance: Number.NaN },
  { ...good, origin: null },
  { date: good.date, distance: 3 },
  { ...good, date: 'yesterday' },
  { ...good, date: '2001/02/29 10:00' },
  { ...good, destination: 3 },
  { ...good, distance: -12.5, date: '2001-12-31' },
  ...flightRows.map(({ delay: _delay, ...r }) => r),
];
const imputingRecords: Record<string, unknown>[] = [
  {},
  { mass: 4, sex: 'F', member: true, seen: '2001-03-01T10:30' },
  { mass: -3, sex: 'Z', member: false, seen: null },
  { mass: 1, member: 'yes' },
  { sex: 1 },
  { seen: '2001-06-30 23:59', mass: null, member: null },
];

/** The records as the batch path reads them: a column per input, undefined where a record lacks the key. */
function asColumns(spec: FeatureSpec, records: readonly Record<string, unknown>[]) {
  return {
    rows: records.length,
    columns: new Map(spec.inputs.map((i) => [i.name, records.map((r) => (i.name in r ? r[i.name] : undefined))])),
  };
}

/** What the online path gives each record alone: its tensor row, or its error message. */
function alone(spec: FeatureSpec, record: unknown): Float32Array | string {
  try {
    return compileFeatureSpec(spec).apply([record])[0].data as Float32Array;
  } catch (e) {
    expect(e).toBeInstanceOf(AviaryError);
    return (e as Error).message;
  }
}

describe('encodeColumns (the batch path) against apply (the online path)', () => {
  it.each([
    [
      'flight-delay (log1p, categories with an "other" and a "missing" slot, datetime one-hot and cyclical)',
      flights,
      flightRecords,
    ],
    ['imputing (numeric, mode, bool and datetime defaults for missing values)', imputing, imputingRecords],
  ])('gives exactly the numbers and the errors of each record alone: %s', (_name, spec, records) => {
    const width = spec.featureNames.length;
    const { tensors, encoded, rejected } = compileFeatureSpec(spec).encodeColumns(asColumns(spec, records));
    const data = tensors[0].data as Float32Array;
    expect(tensors[0]).toMatchObject({ name: spec.output.name, datatype: 'FP32', shape: [encoded.length, width] });

    const expectedRows: number[] = [];
    records.forEach((record, i) => {
      const online = alone(spec, record);
      if (typeof online === 'string') {
        expect(rejected.find((r) => r.index === i)?.reason).toBe(online.replace('(row 0)', `(row ${i})`));
      } else {
        const at = expectedRows.push(i) - 1;
        // Bit for bit: the same float32 values, not just close ones.
        expect(Array.from(data.subarray(at * width, (at + 1) * width))).toEqual(Array.from(online));
      }
    });
    expect(Array.from(encoded)).toEqual(expectedRows);
    expect(rejected).toHaveLength(records.length - expectedRows.length);
    expect(expectedRows.length).toBeGreaterThan(1);
    expect(rejected.length).toBeGreaterThan(1);
  });

  it('gives the accepted rows the tensor apply gives them in one batch', () => {
    const { tensors, encoded } = compileFeatureSpec(flights).encodeColumns(asColumns(flights, flightRecords));
    const accepted = Array.from(encoded, (i) => flightRecords[i]);
    expect(tensors).toEqual(compileFeatureSpec(flights).apply(accepted));
  });

  it('reads an input without a column as missing in every row', () => {
    const { encoded, rejected } = compileFeatureSpec(flights).encodeColumns({
      rows: 2,
      columns: new Map<string, unknown[]>([
        ['date', [good.date, good.date]],
        ['distance', [1, 2]],
        ['origin', ['ORD', 'ATL']],
      ]),
    });
    expect(Array.from(encoded)).toEqual([0, 1]);
    expect(rejected).toEqual([]);
    const none = compileFeatureSpec(flights).encodeColumns({ rows: 1, columns: new Map() });
    expect(none.rejected).toEqual([{ index: 0, reason: 'missing input "date" (row 0)' }]);
    expect(none.tensors[0].shape).toEqual([0, flights.featureNames.length]);
  });
});
