// The metrics table printed at the end of a training run, plus how each model version compares with the one before.
import type { BinaryMetrics, MulticlassMetrics } from '@aviary/evaluation';
import type { MetricsReport } from './train-model';

export interface ReportRow {
  metrics: MetricsReport;
  seconds: number;
}

const isBinary = (m: BinaryMetrics | MulticlassMetrics): m is BinaryMetrics => 'auc' in m;
const fixed = (value: number | undefined, digits = 4) => (value === undefined ? '-' : value.toFixed(digits));

export function formatReport(rows: readonly ReportRow[]): string {
  const header = [
    'model',
    'version',
    'train',
    'test',
    'features',
    'AUC',
    'accuracy',
    'majority acc',
    'log-loss',
    'macro-F1',
    'seconds',
  ];
  const lines = rows.map(({ metrics: m, seconds }) => {
    const test = m.test;
    return [
      m.model,
      String(m.version),
      String(m.split.trainRows),
      String(m.split.testRows),
      String(m.features),
      fixed(isBinary(test) ? test.auc : undefined),
      fixed(test.accuracy),
      fixed(test.majorityAccuracy),
      fixed(test.logLoss),
      fixed(isBinary(test) ? undefined : test.macroF1),
      seconds.toFixed(1),
    ];
  });
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c].length)));
  const format = (cells: string[]) =>
    cells.map((cell, c) => (c < 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  const table = [format(header), format(widths.map((w) => '-'.repeat(w))), ...lines.map(format)];
  return [
    ...table,
    '',
    'held-out test split; accuracy at threshold 0.5 (binary) or argmax (multiclass)',
    ...comparisons(rows),
  ].join('\n');
}

/** One line per later version of a model: how its held-out metrics moved against the previous version's. */
function comparisons(rows: readonly ReportRow[]): string[] {
  return rows.flatMap(({ metrics: current }, i) => {
    const previous = rows
      .slice(0, i)
      .reverse()
      .find((r) => r.metrics.model === current.model)?.metrics;
    if (!previous) return [];
    const [a, b] = [previous.test, current.test];
    const auc = isBinary(a) && isBinary(b) ? `AUC ${signed(b.auc - a.auc)}, ` : '';
    return [
      `${current.model} v${current.version} vs v${previous.version} on the same test rows: ${auc}log-loss ${signed(b.logLoss - a.logLoss)}, accuracy ${signed(b.accuracy - a.accuracy)}`,
    ];
  });
}

const signed = (delta: number) => `${delta >= 0 ? '+' : ''}${delta.toFixed(4)}`;
