import { rejection } from '@aviary/testing';
import { describeGateFailures } from '@aviary/contracts';
import { checkGate, parseGate } from './gate';

describe('quality gate', () => {
  it('parses one or several conditions', () => {
    expect(parseGate('auc >= 0.70')).toEqual([{ metric: 'auc', operator: '>=', threshold: 0.7 }]);
    expect(parseGate('accuracy > 0.9, logLoss<=0.5 and macroF1 >= 1e-1')).toEqual([
      { metric: 'accuracy', operator: '>', threshold: 0.9 },
      { metric: 'logLoss', operator: '<=', threshold: 0.5 },
      { metric: 'macroF1', operator: '>=', threshold: 0.1 },
    ]);
  });

  it('rejects what it cannot read, saying what it expects', () => {
    expect(rejection(() => parseGate('')).message).toMatch(/empty/);
    expect(rejection(() => parseGate('auc == 0.7')).message).toMatch(/"auc == 0.7" is not "<metric> <op> <number>"/);
  });

  it('passes when every condition holds and names the figures that fail', () => {
    expect(checkGate('auc >= 0.6', { auc: 0.6473 }).passed).toBe(true);
    const failed = checkGate('auc >= 0.70, accuracy >= 0.5, rmse <= 1', { auc: 0.6473, accuracy: 0.78 });
    expect(failed.passed).toBe(false);
    expect(describeGateFailures(failed.checks)).toBe('auc 0.6473 fails >= 0.7; rmse not measured');
  });
});
