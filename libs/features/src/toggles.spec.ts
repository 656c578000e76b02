// Feature toggles (`enabledBy`): fitted into the spec, rejected where a transform has no fitted default, and applied
// per run of records as if the toggled-off inputs were missing.
import { AviaryError } from '@aviary/contracts';
import { compileFeatureSpec, ToggleRun } from './apply';
import type { PipelineDefinition } from './definition';
import { fitFeatureSpec } from './fit';
import { parseFeatureSpec } from './spec';
import { flightRows, flightsDefinition } from './testing/flights-fixture';

/** Every toggleable kind on optional inputs, two transforms sharing one flag, and untoggled transforms beside them. */
const toggledDefinition: PipelineDefinition = {
  inputs: [
    { name: 'date', type: 'datetime' },
    { name: 'distance', type: 'number', required: false },
    { name: 'origin', type: 'string' },
    { name: 'destination', type: 'string', required: false },
    { name: 'carrier', type: 'string', required: false },
    { name: 'member', type: 'bool', required: false },
  ],
  transforms: [
    { kind: 'numeric', input: 'distance', enabledBy: 'feature.distance' },
    { kind: 'categorical', input: 'origin' },
    { kind: 'categorical', input: 'destination', enabledBy: 'feature.route' },
    { kind: 'categorical', input: 'carrier', missing: 'mode', enabledBy: 'feature.route' },
    { kind: 'bool', input: 'member', enabledBy: 'feature.member' },
    { kind: 'datetime', input: 'date', parts: [{ part: 'hour', encoding: 'cyclical' }] },
  ],
  prediction: flightsDefinition.prediction,
};
const rows = flightRows.map((row, i) => ({ ...row, carrier: i % 3 ? 'AA' : 'UA', member: i % 2 === 0 }));
const spec = fitFeatureSpec(toggledDefinition, rows);
const pipeline = compileFeatureSpec(spec);
const record = {
  date: '2001/01/14 21:55',
  distance: 1452,
  origin: 'ORD',
  destination: 'SFO',
  carrier: 'UA',
  member: true,
};

const off = (...flags: string[]): ReadonlySet<string> => new Set(flags);
const tensorRows = (records: unknown[], runs?: ToggleRun[]): number[][] => {
  const data = pipeline.apply(records, runs)[0].data as Float32Array;
  return records.map((_, r) => Array.from(data.subarray(r * pipeline.width, (r + 1) * pipeline.width)));
};

function thrown(run: () => unknown): AviaryError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(AviaryError);
    return e as AviaryError;
  }
  throw new Error('expected a throw');
}

describe('feature toggles', () => {
  it('keeps each enabledBy in the fitted spec, through JSON, and lists each flag once in spec order', () => {
    expect(spec.transforms.map((t) => t.enabledBy)).toEqual([
      'feature.distance',
      undefined,
      'feature.route',
      'feature.route',
      'feature.member',
      undefined,
    ]);
    const json = JSON.stringify(spec);
    expect(JSON.stringify(parseFeatureSpec(JSON.parse(json)))).toBe(json);
    expect(pipeline.toggles).toEqual(['feature.distance', 'feature.route', 'feature.member']);
  });

  it('adds nothing to a spec without toggles', () => {
    const plain = fitFeatureSpec(flightsDefinition, flightRows);
    expect(JSON.stringify(plain)).not.toContain('enabledBy');
    expect(compileFeatureSpec(plain).toggles).toEqual([]);
  });

  it("gives a toggled-off transform's columns exactly what a missing value gets, leaving the others as they are", () => {
    const toggled = tensorRows(
      [record, record, record],
      [
        { records: 1, disabled: off() },
        { records: 1, disabled: off('feature.route') },
        { records: 1, disabled: off('feature.distance', 'feature.route', 'feature.member') },
      ],
    );
    const { date, distance, origin, member } = record;
    expect(toggled).toEqual(tensorRows([record, { date, distance, origin, member }, { date, origin }]));
    expect(toggled[1]).not.toEqual(toggled[0]);
  });

  it('falls back to the fitted median, mode and missing slot, while the record still arrives intact', () => {
    const [on, allOff] = tensorRows(
      [record, record],
      [
        { records: 1, disabled: off('flag-nobody-uses') },
        { records: 1, disabled: off('feature.distance', 'feature.route', 'feature.member') },
      ],
    );
    const names = (values: number[]) => Object.fromEntries(spec.featureNames.map((n, c) => [n, values[c]]));
    const numeric = spec.transforms[0] as { impute: number; mean: number; std: number };
    expect(names(allOff)).toMatchObject({
      distance: Math.fround((numeric.impute - numeric.mean) / numeric.std),
      'origin=ORD': 1,
      'destination=<missing>': 1,
      'destination=SFO': 0,
      // "mode" imputes the most frequent category.
      'carrier=AA': 1,
      'carrier=UA': 0,
      member: (spec.transforms[4] as { impute: boolean }).impute ? 1 : 0,
    });
    expect(names(on)).toMatchObject({ distance: expect.any(Number), 'destination=SFO': 1, 'carrier=UA': 1, member: 1 });
    expect(names(on)['date.hour_sin']).toBe(names(allOff)['date.hour_sin']);
  });

  it('applies runs in record order and, without runs, leaves every toggle on', () => {
    const other = { ...record, distance: 10, destination: 'LAX' };
    const runs = [
      { records: 2, disabled: off('feature.distance') },
      { records: 1, disabled: off() },
    ];
    const [a, b, c] = tensorRows([record, other, other], runs);
    const [allOnA, allOnB] = tensorRows([record, other]);
    expect(a).not.toEqual(allOnA);
    expect(b).not.toEqual(allOnB);
    expect(a[0]).toBe(b[0]);
    expect(c).toEqual(allOnB);
  });

  it('still validates a toggled-off input strictly: the flag changes the model input, not the request contract', () => {
    const error = thrown(() =>
      pipeline.apply([{ ...record, distance: 'far' }], [{ records: 1, disabled: off('feature.distance') }]),
    );
    expect(error.message).toBe('input "distance" must be a number, got "far" (row 0)');
  });

  it.each<[string, ToggleRun[], string]>([
    ['too few', [{ records: 1, disabled: off() }], 'the toggle runs cover 1 records, but there are 2'],
    [
      'too many',
      [
        { records: 2, disabled: off() },
        { records: 1, disabled: off() },
      ],
      'the toggle runs cover 3 records, but there are 2',
    ],
    [
      'an empty run',
      [
        { records: 0, disabled: off() },
        { records: 2, disabled: off() },
      ],
      'a toggle run must cover a positive whole number of records, got 0',
    ],
  ])('rejects runs covering %s records', (_case, runs, message) => {
    const error = thrown(() => pipeline.apply([record, record], runs));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(message);
  });

  describe('rejects at validation time', () => {
    const definitionError = (transforms: object[]) =>
      thrown(() => fitFeatureSpec({ ...toggledDefinition, transforms } as PipelineDefinition, rows)).message;

    it('a toggle on a datetime transform, which has no fitted default, in a definition and in a spec', () => {
      const expected =
        'a datetime transform cannot be toggled: it has no fitted default for its columns to fall back on';
      expect(
        definitionError([
          { kind: 'datetime', input: 'date', parts: [{ part: 'hour', encoding: 'cyclical' }], enabledBy: 'f' },
        ]),
      ).toBe(`invalid pipeline definition: transforms.0.enabledBy: ${expected}`);
      const edited = structuredClone(spec);
      Object.assign(edited.transforms[5], { enabledBy: 'f' });
      expect(thrown(() => parseFeatureSpec(edited)).message).toBe(
        `invalid feature spec: transforms.5.enabledBy: ${expected}`,
      );
    });

    it('an empty flag key', () => {
      expect(definitionError([{ kind: 'numeric', input: 'distance', enabledBy: '' }])).toBe(
        'invalid pipeline definition: transforms.0.enabledBy: must name a flag',
      );
    });
  });
});
