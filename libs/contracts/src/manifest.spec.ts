import { flagEvaluationRequestSchema } from './flags';
import { modelManifestSchema } from './manifest';
import { predictRequestSchema } from './predict';

const manifest = {
  name: 'flight-delay',
  version: '1',
  platform: 'onnxruntime',
  objectName: 'flight-delay/1/model.onnx',
  sha256: 'a'.repeat(64),
  sizeBytes: 1234,
  inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 17] }],
  outputs: [{ name: 'label', datatype: 'INT64', shape: [-1] }],
  metrics: { auc: 0.71 },
  createdAt: '2025-01-01T00:00:00.000Z',
};

describe('modelManifestSchema', () => {
  it('accepts a complete manifest', () => {
    expect(modelManifestSchema.parse(manifest)).toEqual(manifest);
  });

  it.each<[string, object]>([
    ['a model name with a dot', { name: 'flight.delay' }],
    ['a checksum that is not lowercase hex sha256', { sha256: 'A'.repeat(64) }],
    ['an unknown datatype', { inputs: [{ name: 'features', datatype: 'FLOAT', shape: [-1, 17] }] }],
    ['a dimension below -1', { inputs: [{ name: 'features', datatype: 'FP32', shape: [-2, 17] }] }],
    ['no outputs', { outputs: [] }],
    ['an empty model', { sizeBytes: 0 }],
  ])('rejects %s', (_case, change) => {
    expect(modelManifestSchema.safeParse({ ...manifest, ...change }).success).toBe(false);
  });
});

describe('request schemas', () => {
  it('requires at least one instance in a predict request', () => {
    const result = predictRequestSchema.safeParse({ instances: [] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].message).toBe('instances must hold at least one record');
  });

  it('fills in the default flag set and an empty context for flag evaluations', () => {
    expect(flagEvaluationRequestSchema.parse({ flag: 'new-model' })).toEqual({
      flagSet: 'default',
      flag: 'new-model',
      context: {},
    });
    expect(flagEvaluationRequestSchema.safeParse({ flag: 'x', flagSet: 'a.b' }).success).toBe(false);
  });
});
