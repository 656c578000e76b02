import { AviaryError, Tensor } from '@aviary/contracts';
import { fitFeatureSpec } from './fit';
import { flightRows, flightsDefinition } from './testing/flights-fixture';
import { versionPipeline } from './version-pipeline';

const spec = fitFeatureSpec(flightsDefinition, flightRows);
const record = { date: '2001/01/14 21:55', distance: 1452, origin: 'ORD', destination: 'LAX' };

describe('versionPipeline', () => {
  it("turns records into the spec's feature tensor and outputs into class predictions", () => {
    const pipeline = versionPipeline({ inputs: [], featureSpec: JSON.parse(JSON.stringify(spec)) });
    const [features] = pipeline.toTensors([record, record]);
    expect(features).toMatchObject({ name: 'features', datatype: 'FP32', shape: [2, spec.featureNames.length] });
    const outputs: Tensor[] = [
      { name: 'label', datatype: 'INT64', shape: [1], data: new BigInt64Array([1n]) },
      { name: 'probabilities', datatype: 'FP32', shape: [1, 2], data: new Float32Array([0.25, 0.75]) },
    ];
    expect(pipeline.toPredictions(outputs)).toEqual([
      { label: 'late', probability: 0.75, probabilities: { 'on-time': 0.25, late: 0.75 } },
    ]);
  });

  it("exposes the spec's feature toggles and applies which are off per run of records", () => {
    const toggled = structuredClone(spec);
    Object.assign(toggled.transforms[0], { enabledBy: 'feature.distance' });
    const pipeline = versionPipeline({ inputs: [], featureSpec: toggled });
    expect(pipeline.toggles).toEqual(['feature.distance']);
    const [on, off] = [new Set<string>(), new Set(['feature.distance'])].map(
      (disabled) => (pipeline.toTensors([record], [{ records: 1, disabled }])[0].data as Float32Array)[0],
    );
    expect(on).not.toBe(off);
    expect(versionPipeline({ inputs: [], featureSpec: spec }).toggles).toEqual([]);
  });

  it("without a spec, reads records by the model's input names and answers each output's row", () => {
    const pipeline = versionPipeline({ inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }] });
    expect(pipeline.toggles).toEqual([]);
    expect(pipeline.toTensors([{ x: [1, 2] }, { x: [3, 4] }])).toEqual([
      { name: 'x', datatype: 'FP32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
    ]);
    const outputs: Tensor[] = [{ name: 'y', datatype: 'FP32', shape: [2], data: new Float32Array([0.5, 1.5]) }];
    expect(pipeline.toPredictions(outputs)).toEqual([{ y: 0.5 }, { y: 1.5 }]);
  });

  it('rejects a malformed spec when the pipeline is built, not on the first request', () => {
    expect(() => versionPipeline({ inputs: [], featureSpec: { version: 1 } })).toThrow(AviaryError);
  });
});
