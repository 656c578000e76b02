import { applyFeatureSpec, FeatureSpec } from '@aviary/features';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { failingGraph } from './failing-graph';

const dir = join(__dirname, '../../../models/flight-delay/2');
const flight = (distance: number) => ({ date: '2001/01/14 17:05', distance, origin: 'SEA', destination: 'SFO' });

describe('failingGraph', () => {
  it('answers as the original on short flights and fails the run on long ones', async () => {
    const spec = JSON.parse(readFileSync(join(dir, 'feature-spec.json'), 'utf8')) as FeatureSpec;
    const original = readFileSync(join(dir, 'model.onnx'));
    const broken = failingGraph(original, { input: 'features', column: 0, above: 1, output: 'probabilities' });
    const [a, b] = await Promise.all([ort.InferenceSession.create(original), ort.InferenceSession.create(broken)]);
    const feed = (distance: number) => {
      const [t] = applyFeatureSpec(spec, [flight(distance)]);
      return { features: new ort.Tensor('float32', t.data as Float32Array, t.shape) };
    };
    const short = feed(1009);
    expect(Array.from((await b.run(short)).probabilities.data as Float32Array)).toEqual(
      Array.from((await a.run(short)).probabilities.data as Float32Array),
    );
    await expect(b.run(feed(2500))).rejects.toThrow(/indices|out of bounds|out of range/i);
  });
});
