import { modelFlagProblems, ModelVersionState, versionFlagModel } from './model-flag-check';

const versions: ModelVersionState[] = [
  { name: 'flight-delay', version: '1', state: 'serving' },
  { name: 'flight-delay', version: '2', state: 'ready' },
  { name: 'flight-delay', version: '3', state: 'rejected', reason: 'quality gate: auc 0.61 fails >= 0.7' },
  { name: 'flight-delay', version: '4', state: 'loading' },
];

const versionFlag = (variants: Record<string, unknown>) => ({
  state: 'ENABLED',
  variants,
  defaultVariant: Object.keys(variants)[0],
});

describe('versionFlagModel', () => {
  it('reads the model of a version flag, not of a kill switch or any other key', () => {
    expect(versionFlagModel('model.flight-delay')).toBe('flight-delay');
    expect(versionFlagModel('model.flight-delay.enabled')).toBeUndefined();
    expect(versionFlagModel('new-ui')).toBeUndefined();
    expect(versionFlagModel('model.')).toBeUndefined();
  });
});

describe('modelFlagProblems', () => {
  it('accepts variants that name ready (or serving) versions', () => {
    expect(modelFlagProblems({ 'model.flight-delay': versionFlag({ stable: '1', canary: '2' }) }, versions)).toEqual(
      [],
    );
  });

  it('names the variant, the version and its state for each version that cannot serve', () => {
    const flags = {
      'model.flight-delay': versionFlag({ stable: '1', bad: '3', cold: '4', ghost: '9' }),
      'model.flight-delay.enabled': versionFlag({ on: true, off: false }),
      'model.unknown': versionFlag({ a: '1' }),
    };
    expect(modelFlagProblems(flags, versions)).toEqual([
      {
        flag: 'model.flight-delay',
        path: '/flags/model.flight-delay/variants/bad',
        message: expect.stringMatching(
          /^variant "bad" names version "3" of model "flight-delay", which is rejected \(quality gate: auc 0.61/,
        ),
      },
      {
        flag: 'model.flight-delay',
        path: '/flags/model.flight-delay/variants/cold',
        message: expect.stringContaining('version "4" of model "flight-delay", which is loading'),
      },
      {
        flag: 'model.flight-delay',
        path: '/flags/model.flight-delay/variants/ghost',
        message: expect.stringContaining('version "9" of model "flight-delay", which does not exist'),
      },
      {
        flag: 'model.unknown',
        path: '/flags/model.unknown/variants/a',
        message: expect.stringContaining('which does not exist'),
      },
    ]);
  });

  it('refuses variants that are not strings', () => {
    expect(modelFlagProblems({ 'model.flight-delay': versionFlag({ one: 1 }) }, versions)).toEqual([
      expect.objectContaining({
        path: '/flags/model.flight-delay/variants/one',
        message: expect.stringContaining('not a string'),
      }),
    ]);
  });
});
