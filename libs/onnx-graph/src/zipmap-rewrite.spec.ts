import { AviaryError } from '@aviary/contracts';
import { ModelSession } from '@aviary/inference-engine';
import { describeWithFixtures, sklearnFixturesDir, workspaceRoot } from '@aviary/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import { classLabelsKey, inspectOutputs, rewriteZipMapOutputs } from './zipmap-rewrite';

const fixtures = sklearnFixturesDir();
const fixture = (file: string) => new Uint8Array(readFileSync(join(fixtures, file)));

const ZIPMAP_FIXTURES: [string, number][] = [
  ['logreg_iris.onnx', 3],
  ['rf_iris.onnx', 3],
  ['pipeline_xgboost.onnx', 3],
  ['pipeline_lightgbm.onnx', 3],
  ['pipeline_titanic.onnx', 2],
];

function caught(action: () => unknown): AviaryError {
  try {
    action();
  } catch (e) {
    return e as AviaryError;
  }
  throw new Error('expected an error');
}

describeWithFixtures(fixtures, 'rewriteZipMapOutputs on scikit-learn exports', () => {
  it.each(ZIPMAP_FIXTURES)('reports %s as a label tensor plus a ZipMap sequence', (file) => {
    expect(inspectOutputs(fixture(file))).toEqual([
      { name: 'output_label', kind: 'tensor', producer: expect.objectContaining({}) },
      { name: 'output_probability', kind: 'sequence', producer: { opType: 'ZipMap', domain: 'ai.onnx.ml' } },
    ]);
  });

  it.each(ZIPMAP_FIXTURES)(
    'turns the ZipMap of %s into a float probability output [N,%i] under the same name, keeping the labels',
    async (file, classes) => {
      const labels = Array.from({ length: classes }, (_, i) => i);
      const rewrite = rewriteZipMapOutputs(fixture(file));
      expect(rewrite.rewrites).toEqual([{ output: 'output_probability', from: 'ZipMap', classLabels: labels }]);
      expect(inspectOutputs(rewrite.bytes).map((o) => [o.name, o.kind])).toEqual([
        ['output_label', 'tensor'],
        ['output_probability', 'tensor'],
      ]);
      const model = onnx.ModelProto.decode(rewrite.bytes);
      expect(model.graph?.node?.some((n) => n.opType === 'ZipMap')).toBe(false);
      expect(model.metadataProps).toContainEqual(
        expect.objectContaining({ key: classLabelsKey('output_probability'), value: JSON.stringify(labels) }),
      );

      const session = await ModelSession.load(rewrite.bytes);
      try {
        expect(session.outputs).toContainEqual({ name: 'output_probability', datatype: 'FP32', shape: [-1, classes] });
      } finally {
        await session.release();
      }
    },
  );

  it('returns a model without ZipMap unchanged, byte for byte', () => {
    const bytes = fixture('pipeline_titanic_nozipmap.onnx');
    const rewrite = rewriteZipMapOutputs(bytes);
    expect(rewrite).toEqual({ bytes, rewrites: [] });
    expect(rewrite.bytes).toBe(bytes);
  });
});

describe('rewriteZipMapOutputs', () => {
  it('returns the demo flight-delay model (no ZipMap) unchanged, byte for byte', () => {
    const bytes = new Uint8Array(readFileSync(join(workspaceRoot(), 'models', 'flight-delay', '2', 'model.onnx')));
    const rewrite = rewriteZipMapOutputs(bytes);
    expect(rewrite.rewrites).toEqual([]);
    expect(rewrite.bytes).toBe(bytes);
    expect(inspectOutputs(bytes).every((o) => o.kind === 'tensor')).toBe(true);
  });

  it.each([
    ['text', new TextEncoder().encode('not onnx at all')],
    ['random bytes', Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) % 256)],
    ['nothing', new Uint8Array()],
  ])('refuses %s with INVALID_ARGUMENT', (_case, bytes) => {
    const error = caught(() => rewriteZipMapOutputs(bytes));
    expect(error).toBeInstanceOf(AviaryError);
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/^not a loadable ONNX model: /);
  });
});
