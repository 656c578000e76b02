// A quality gate: conditions on held-out metrics that a version must meet before it may take traffic,
// written as `auc >= 0.70` (several joined by "," or "and").
import { GateCheck, invalid } from '@aviary/contracts';

export const GATE_OPERATORS = ['>=', '<=', '>', '<'] as const;
export type GateOperator = (typeof GATE_OPERATORS)[number];

export interface GateCondition {
  metric: string;
  operator: GateOperator;
  threshold: number;
}

export interface GateResult {
  expression: string;
  passed: boolean;
  /** Each condition with the measured value; `passed: false` ones are the figures that failed. */
  checks: (GateCondition & GateCheck)[];
}

const CONDITION = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/i;

export function parseGate(expression: string): GateCondition[] {
  const parts = expression.split(/,|\band\b/i).filter((p) => p.trim() !== '');
  if (parts.length === 0) throw invalid('the gate is empty; write e.g. "auc >= 0.70"');
  return parts.map((part) => {
    const match = CONDITION.exec(part);
    if (!match)
      throw invalid(
        `gate condition "${part.trim()}" is not "<metric> <op> <number>" with op one of ${GATE_OPERATORS.join(' ')}`,
      );
    return { metric: match[1], operator: match[2] as GateOperator, threshold: Number(match[3]) };
  });
}

export function checkGate(expression: string, metrics: Readonly<Record<string, unknown>>): GateResult {
  const checks = parseGate(expression).map((condition) => {
    const measured = metrics[condition.metric];
    const value = typeof measured === 'number' ? measured : null;
    return { ...condition, value, passed: value !== null && compare(value, condition.operator, condition.threshold) };
  });
  return { expression, passed: checks.every((c) => c.passed), checks };
}

function compare(value: number, operator: GateOperator, threshold: number): boolean {
  switch (operator) {
    case '>=':
      return value >= threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '<':
      return value < threshold;
  }
}
