import { Condition, conditionProblems } from './condition';

const holds = (source: string, result: unknown) => Condition.parse(source).evaluate(result as never);

describe('Condition', () => {
  it('compares the result with numbers', () => {
    expect(holds('result >= 0.95', 0.99)).toBe(true);
    expect(holds('result >= 0.95', 0.9)).toBe(false);
    expect(holds('result < 1e-3', 0.0001)).toBe(true);
    expect(holds('result != 0', 0)).toBe(false);
    expect(holds('result > -1', -0.5)).toBe(true);
  });

  it('reads fields of a result that is a record', () => {
    expect(holds('result.p95 <= 50 && result.count > 10', { p95: 20, count: 11 })).toBe(true);
    expect(holds('result.p95 <= 50', { p99: 20 })).toBe(false);
  });

  it('binds && tighter than || and ! tighter than both, with parentheses overriding', () => {
    expect(holds('1 > 2 && 1 > 2 || 2 > 1', 0)).toBe(true);
    expect(holds('2 > 1 || 2 > 1 && 1 > 2', 0)).toBe(true);
    expect(holds('(2 > 1 || 2 > 1) && 1 > 2', 0)).toBe(false);
    expect(holds('!(result > 1) && result >= 0', 0.5)).toBe(true);
    expect(holds('!result > 1', 5)).toBe(false);
  });

  it('treats a missing or non-numeric value as failing every ordering comparison', () => {
    expect(holds('result > 0', undefined)).toBe(false);
    expect(holds('result <= 0', undefined)).toBe(false);
    expect(holds('isNaN(result)', Number.NaN)).toBe(true);
    expect(holds('isNaN(result)', 3)).toBe(false);
    expect(holds('len(result) == 2', [1, 2])).toBe(true);
  });

  it('rejects malformed text, naming the position and what was expected', () => {
    expect(conditionProblems('result >= 0.95')).toEqual([]);
    expect(conditionProblems('result >=')).toEqual([
      'condition "result >=": expected a number, result, a function or "(" at 10, found the end',
    ]);
    expect(conditionProblems('(result > 1')[0]).toMatch(/expected "\)" at 12/);
    expect(conditionProblems('result > 1 2')[0]).toMatch(/expected an operator or the end at 12, found "2"/);
    expect(conditionProblems('process.exit()')[0]).toMatch(/unknown name "process"/);
    expect(conditionProblems('result ; 1')[0]).toMatch(/unexpected character ";" at 8/);
    expect(conditionProblems('result.')[0]).toMatch(/a field name after "\."/);
  });
});
