import { ModelManifest } from '@aviary/contracts';
import { BUNDLE_INDEX, bundleFiles, bundlePaths, verifyBundle } from './bundle';

const manifest = (version: string): ModelManifest => ({
  name: 'flight-delay',
  version,
  platform: 'onnxruntime',
  objectName: `flight-delay/${version}/model.onnx`,
  sha256: 'a'.repeat(64),
  sizeBytes: 3,
  inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 2] }],
  outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 2] }],
  metrics: {},
  featureSpec: { specVersion: 1 },
  createdAt: '2026-01-01T00:00:00Z',
});

function subject() {
  const files = bundleFiles({
    versions: [
      { manifest: manifest('2'), onnx: new Uint8Array([1, 2, 3]) },
      { manifest: manifest('1'), onnx: new Uint8Array([4, 5, 6]) },
    ],
    serving: { 'flight-delay': '2' },
    flagSets: { models: '{"flags":{}}' },
    createdAt: '2026-01-02T00:00:00Z',
  });
  const index = () => Buffer.from(files.get(BUNDLE_INDEX) ?? '').toString('utf8');
  return { files, index, read: (path: string) => files.get(path) };
}

describe('an edge bundle', () => {
  it('lists every file with its sha256 and names the serving version of each model', () => {
    const { index, read } = subject();
    const verified = verifyBundle(index(), read);
    expect(verified.models).toEqual({ 'flight-delay': { serving: '2', versions: ['2', '1'] } });
    expect(Object.keys(verified.files).sort()).toEqual(
      [
        bundlePaths.onnx('flight-delay', '1'),
        bundlePaths.onnx('flight-delay', '2'),
        bundlePaths.manifest('flight-delay', '1'),
        bundlePaths.manifest('flight-delay', '2'),
        bundlePaths.featureSpec('flight-delay', '1'),
        bundlePaths.featureSpec('flight-delay', '2'),
        bundlePaths.flagSet('models'),
      ].sort(),
    );
  });

  it('keeps the feature spec in its own file, out of the manifest', () => {
    const { files } = subject();
    const written = JSON.parse(Buffer.from(files.get(bundlePaths.manifest('flight-delay', '2')) ?? '').toString());
    expect(written.featureSpec).toBeUndefined();
    expect(JSON.parse(Buffer.from(files.get(bundlePaths.featureSpec('flight-delay', '2')) ?? '').toString())).toEqual({
      specVersion: 1,
    });
  });

  it('refuses a bundle whose graph was changed, naming the file', () => {
    const { files, index, read } = subject();
    files.set(bundlePaths.onnx('flight-delay', '2'), new Uint8Array([9, 9, 9]));
    expect(() => verifyBundle(index(), read)).toThrow(
      'the bundle is refused: models/flight-delay/2/model.onnx does not match its sha256 in bundle.json',
    );
  });

  it('refuses a bundle with a missing file and one with an index that is not a bundle index, saying why', () => {
    const { files, index, read } = subject();
    files.delete(bundlePaths.flagSet('models'));
    expect(() => verifyBundle(index(), read)).toThrow('flags/models.json is missing');
    expect(() => verifyBundle('{"format":2}', read)).toThrow(/bundle.json is not a valid bundle index/);
  });

  it('refuses an index edited to serve a version the bundle does not hold', () => {
    const { index, read } = subject();
    const edited = index().replace('"serving": "2"', '"serving": "9"');
    expect(() => verifyBundle(edited, read)).toThrow('model flight-delay serves version 9, which is not in the bundle');
  });
});
