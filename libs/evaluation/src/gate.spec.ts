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

  it.each([
    ['log-loss', 'logLoss'],
    ['log_loss', 'logLoss'],
    ['LogLoss', 'logLoss'],
    ['RMSE', 'rmse'],
    ['R2', 'r2'],
    ['macro-f1', 'macroF1'],
    ['mean_baseline_rmse', 'meanBaselineRmse'],
  ])('reads "%s" as the stored figure %s', (written, stored) => {
    expect(parseGate(`${written} <= 4.5`)).toEqual([{ metric: stored, operator: '<=', threshold: 4.5 }]);
  });

  it('rejects what it cannot read, saying what it expects', () => {
    expect(rejection(() => parseGate('')).message).toMatch(/empty/);
    expect(rejection(() => parseGate('auc == 0.7')).message).toMatch(/"auc == 0.7" is not "<metric> <op> <number>"/);
    expect(rejection(() => parseGate('precision >= 0.7')).message).toBe(
      'the gate names an unknown metric "precision"; known metrics: auc, accuracy, logLoss, macroF1, positiveRate, ' +
        'predictedPositiveRate, majorityAccuracy, rmse, mae, r2, meanBaselineRmse',
    );
  });

  it('passes when every condition holds and names the figures that fail', () => {
    expect(checkGate('auc >= 0.6', { auc: 0.6473 }).passed).toBe(true);
    const failed = checkGate('auc >= 0.70, accuracy >= 0.5, log-loss <= 0.4', {
      auc: 0.6473,
      accuracy: 0.78,
      logLoss: 0.5,
    });
    expect(failed.passed).toBe(false);
    expect(describeGateFailures(failed.checks)).toBe('auc 0.6473 fails >= 0.7; logLoss 0.5 fails <= 0.4');
  });

  it('refuses a gate on a figure the evaluation does not measure, listing those it does', () => {
    const error = rejection(() => checkGate('rmse <= 1', { auc: 0.6473, accuracy: 0.78, confusion: [[1]] }));
    expect(error.message).toBe(
      'the gate needs rmse, which this evaluation does not measure; it measures: auc, accuracy',
    );
  });
});
