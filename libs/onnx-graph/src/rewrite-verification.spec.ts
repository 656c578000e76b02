import { AviaryError } from '@aviary/contracts';
import { describeWithFixtures, sklearnFixturesDir } from '@aviary/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import { generateInputs, verifyRewrite } from './rewrite-verification';
import { rewriteZipMapOutputs } from './zipmap-rewrite';

const fixtures = sklearnFixturesDir();
const fixture = (file: string) => new Uint8Array(readFileSync(join(fixtures, file)));

const ZIPMAP_FIXTURES = [
  'logreg_iris.onnx',
  'rf_iris.onnx',
  'pipeline_xgboost.onnx',
  'pipeline_lightgbm.onnx',
  'pipeline_titanic.onnx',
];

describeWithFixtures(fixtures, 'verifyRewrite on scikit-learn exports', () => {
  it.each(ZIPMAP_FIXTURES)('accepts the ZipMap rewrite of %s: same labels, one distribution per row', async (file) => {
    const original = fixture(file);
    await expect(verifyRewrite(original, rewriteZipMapOutputs(original))).resolves.toBeUndefined();
  });

  it('rejects a rewrite whose probabilities disagree with the class count of the original', async () => {
    const original = fixture('logreg_iris.onnx');
    const rewrite = rewriteZipMapOutputs(original);
    const wrong = { ...rewrite, rewrites: [{ ...rewrite.rewrites[0], classLabels: [0, 1] }] };
    const error = await verifyRewrite(original, wrong).then(
      () => undefined,
      (e: AviaryError) => e,
    );
    expect(error?.code).toBe('INVALID_ARGUMENT');
    expect(error?.message).toBe('rewritten output "output_probability" is FP32 [16,3], expected FP32 [N,2]');
  });

  it('rejects a rewrite whose labels differ from the original', async () => {
    const original = fixture('logreg_iris.onnx');
    const other = rewriteZipMapOutputs(fixture('pipeline_xgboost.onnx'));
    // Same input width and outputs, another classifier: some rows must get another label.
    const renamed = onnx.ModelProto.decode(other.bytes);
    const graph = onnx.GraphProto.create(renamed.graph ?? {});
    graph.input[0].name = 'X';
    for (const node of graph.node) node.input = (node.input ?? []).map((i) => (i === 'input' ? 'X' : i));
    renamed.graph = graph;
    const swapped = { ...other, bytes: onnx.ModelProto.encode(renamed).finish() };
    const error = await verifyRewrite(original, swapped).then(
      () => undefined,
      (e: AviaryError) => e,
    );
    expect(error?.code).toBe('INVALID_ARGUMENT');
    expect(error?.message).toMatch(
      /^the rewritten model disagrees with the original on output "output_label" \(row \d+\)$/,
    );
  });
});

describe('generateInputs', () => {
  const inputs = [
    { name: 'age', datatype: 'FP32' as const, shape: [-1, 1] },
    { name: 'pclass', datatype: 'INT64' as const, shape: [-1, 1] },
    { name: 'sex', datatype: 'BYTES' as const, shape: [-1, 1] },
  ];

  it('builds the same rows from the same seed, batch first, with small ints and strings from a fixed set', () => {
    const [age, pclass, sex] = generateInputs(inputs, { rows: 5, seed: 7 });
    expect(generateInputs(inputs, { rows: 5, seed: 7 })).toEqual([age, pclass, sex]);
    expect(age.shape).toEqual([5, 1]);
    expect([...(pclass.data as BigInt64Array)].every((v) => v >= 0n && v < 4n)).toBe(true);
    expect(
      (sex.data as string[]).every((s) => ['a', 'b', 'male', 'female', 'S', 'C', 'Q', '1', '2', '3'].includes(s)),
    ).toBe(true);
  });
});
