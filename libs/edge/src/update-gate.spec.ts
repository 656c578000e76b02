import { Probation, smokeVerdict } from './update-gate';

const policy = { durationMs: 120_000, maxErrorRate: 0.2, minRequests: 10 };

describe('the smoke check of a new version', () => {
  it('passes when every record answers and the accuracy reaches the floor', () => {
    const outcomes = [
      { label: 'late', expected: 'late' },
      { label: 'on-time', expected: 'on-time' },
      { label: 'late', expected: 'on-time' },
    ];
    expect(smokeVerdict(outcomes, 0.6)).toEqual({
      passed: true,
      detail: 'smoke accuracy 0.667 on 3 records (floor 0.6)',
    });
  });

  it('fails below the accuracy floor, naming the accuracy', () => {
    expect(smokeVerdict([{ label: 'late', expected: 'on-time' }], 0.5)).toEqual({
      passed: false,
      reason: 'smoke accuracy 0.000 on 1 records (floor 0.5)',
    });
  });

  it('fails when any record raises an error, whatever the accuracy', () => {
    const verdict = smokeVerdict([{ label: 'late', expected: 'late' }, { error: 'the model rejected the inputs' }], 0);
    expect(verdict).toEqual({
      passed: false,
      reason: '1 of 2 smoke records failed, the first: the model rejected the inputs',
    });
  });

  it('passes unlabelled records that all answer', () => {
    expect(smokeVerdict([{ label: 'late' }], 1)).toEqual({ passed: true, detail: '1 smoke records answered' });
  });
});

describe('the probation of a switched-to version', () => {
  it('sends traffic back when the error rate crosses the threshold within the probation', () => {
    const probation = new Probation(policy, 0);
    for (let i = 0; i < 7; i++) expect(probation.record(false, 1000)).toEqual({ state: 'watching' });
    for (let i = 0; i < 2; i++) probation.record(true, 2000);
    expect(probation.record(true, 3000)).toEqual({
      state: 'failed',
      reason: '3 of 10 requests failed (30.0%), above AVIARY_EDGE_ROLLBACK_ERROR_RATE 0.2',
    });
  });

  it('gives no verdict on fewer requests than the minimum, however many of them failed', () => {
    const probation = new Probation(policy, 0);
    for (let i = 0; i < 9; i++) expect(probation.record(true, 1000)).toEqual({ state: 'watching' });
  });

  it('keeps the version once the probation ends below the threshold, and counts nothing after it', () => {
    const probation = new Probation(policy, 0);
    for (let i = 0; i < 10; i++) probation.record(i === 0, 1000);
    expect(probation.verdict(119_999)).toEqual({ state: 'watching' });
    expect(probation.record(true, 120_000)).toEqual({ state: 'passed' });
    expect(probation.counts).toEqual({ requests: 10, errors: 1 });
  });
});
