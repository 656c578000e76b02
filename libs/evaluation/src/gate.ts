// A quality gate: conditions on held-out metrics that a version must meet before it may take traffic,
// written as `auc >= 0.70` (several joined by "," or "and").
import { GateCheck, invalid } from '@aviary/contracts';
import { METRIC_NAMES, MetricName } from './metrics';

export const GATE_OPERATORS = ['>=', '<=', '>', '<'] as const;
export type GateOperator = (typeof GATE_OPERATORS)[number];

export interface GateCondition {
  /** The name the figure is stored under, whichever accepted spelling the gate used. */
  metric: MetricName;
  operator: GateOperator;
  threshold: number;
}

export interface GateResult {
  expression: string;
  passed: boolean;
  /** Each condition with the measured value; `passed: false` ones are the figures that failed. */
  checks: (GateCondition & GateCheck)[];
}

const CONDITION = /^\s*([A-Za-z][A-Za-z0-9_-]*)\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/i;

export function parseGate(expression: string): GateCondition[] {
  const parts = expression.split(/,|\band\b/i).filter((p) => p.trim() !== '');
  if (parts.length === 0) throw invalid('the gate is empty; write e.g. "auc >= 0.70"');
  return parts.map((part) => {
    const match = CONDITION.exec(part);
    if (!match)
      throw invalid(
        `gate condition "${part.trim()}" is not "<metric> <op> <number>" with op one of ${GATE_OPERATORS.join(' ')}`,
      );
    return { metric: metricNamed(match[1]), operator: match[2] as GateOperator, threshold: Number(match[3]) };
  });
}

// Case, "-" and "_" are ignored, so `log-loss`, `log_loss`, `logLoss` and `RMSE` all name a stored figure.
const spelling = (name: string) => name.toLowerCase().replace(/[-_]/g, '');
const METRICS_BY_SPELLING = new Map<string, MetricName>(METRIC_NAMES.map((name) => [spelling(name), name]));

function metricNamed(written: string): MetricName {
  const metric = METRICS_BY_SPELLING.get(spelling(written));
  if (metric === undefined)
    throw invalid(`the gate names an unknown metric "${written}"; known metrics: ${METRIC_NAMES.join(', ')}`);
  return metric;
}

/** Throws INVALID_ARGUMENT when the gate names a figure this evaluation does not measure, listing those it does. */
export function checkGate(expression: string, metrics: Readonly<Record<string, unknown>>): GateResult {
  const checks = parseGate(expression).map((condition) => {
    const value = metrics[condition.metric];
    if (typeof value !== 'number') {
      const measured = Object.keys(metrics).filter((name) => typeof metrics[name] === 'number');
      throw invalid(
        `the gate needs ${condition.metric}, which this evaluation does not measure; it measures: ${measured.join(', ')}`,
      );
    }
    return { ...condition, value, passed: compare(value, condition.operator, condition.threshold) };
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
