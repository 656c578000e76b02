import { AviaryError, ModelManifest } from '@aviary/contracts';
import { knownVersion } from './requested-version';

const manifest = (version: string): ModelManifest => ({
  name: 'flight-delay',
  version,
  platform: 'onnxruntime',
  objectName: `flight-delay/${version}/model.onnx`,
  sha256: '0'.repeat(64),
  sizeBytes: 100,
  inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 3] }],
  outputs: [{ name: 'label', datatype: 'INT64', shape: [-1] }],
  metrics: { auc: 0.6 },
  createdAt: '2025-01-01T00:00:00.000Z',
});

const failure = (run: () => unknown): AviaryError => {
  try {
    run();
  } catch (error) {
    return error as AviaryError;
  }
  throw new Error('expected an error');
};

describe('knownVersion', () => {
  it('answers the version found without listing the model’s versions', () => {
    const versions = jest.fn(() => ['1', '2']);
    expect(knownVersion(manifest('2'), { model: 'flight-delay', version: '2', versions })).toEqual(manifest('2'));
    expect(versions).not.toHaveBeenCalled();
  });

  it('names the versions the model has, in version order, when the asked one is missing', () => {
    const error = failure(() =>
      knownVersion(undefined, { model: 'flight-delay', version: '7', versions: () => ['10', '2', '1'] }),
    );
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toBe('model "flight-delay" has no version "7"; it has 1, 2, 10');
  });

  it('says the model is unknown when it has no versions', () => {
    const error = failure(() => knownVersion(undefined, { model: 'nope', version: '1', versions: () => [] }));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toBe('unknown model "nope"');
  });
});
