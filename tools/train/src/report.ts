// The metrics tables printed at the end of a training run (classifiers, then regressors), each followed by how each
// model version compares with the one before.
import type { BinaryMetrics, MulticlassMetrics, RegressionMetrics } from '@aviary/evaluation';
import type { MetricsReport } from './train-model';

export interface ReportRow {
  metrics: MetricsReport;
  seconds: number;
}

type ClassifierMetrics = BinaryMetrics | MulticlassMetrics;

/** How one kind of model is tabulated: its figure columns, a note on what they mean, and a version-to-version line. */
interface Section<M> {
  headings: string[];
  figures(test: M): string[];
  note: string;
  changes(previous: M, current: M): string;
}

const isBinary = (m: ClassifierMetrics): m is BinaryMetrics => 'auc' in m;
const isRegression = (m: ClassifierMetrics | RegressionMetrics): m is RegressionMetrics => 'rmse' in m;
const fixed = (value: number | undefined, digits = 4) => (value === undefined ? '-' : value.toFixed(digits));
const signed = (delta: number) => `${delta >= 0 ? '+' : ''}${delta.toFixed(4)}`;

const CLASSIFIERS: Section<ClassifierMetrics> = {
  headings: ['AUC', 'accuracy', 'majority acc', 'log-loss', 'macro-F1'],
  figures: (test) => [
    fixed(isBinary(test) ? test.auc : undefined),
    fixed(test.accuracy),
    fixed(test.majorityAccuracy),
    fixed(test.logLoss),
    fixed(isBinary(test) ? undefined : test.macroF1),
  ],
  note: 'held-out test split; accuracy at threshold 0.5 (binary) or argmax (multiclass)',
  changes: (a, b) =>
    `${isBinary(a) && isBinary(b) ? `AUC ${signed(b.auc - a.auc)}, ` : ''}log-loss ${signed(b.logLoss - a.logLoss)}, accuracy ${signed(b.accuracy - a.accuracy)}`,
};

const REGRESSORS: Section<RegressionMetrics> = {
  headings: ['RMSE', 'MAE', 'R²', 'mean RMSE'],
  figures: (test) => [fixed(test.rmse), fixed(test.mae), fixed(test.r2), fixed(test.meanBaselineRmse)],
  note: 'held-out test split; mean RMSE: always answering the mean training label, the bar RMSE has to clear',
  changes: (a, b) => `RMSE ${signed(b.rmse - a.rmse)}, MAE ${signed(b.mae - a.mae)}, R² ${signed(b.r2 - a.r2)}`,
};

export function formatReport(rows: readonly ReportRow[]): string {
  const classifiers = rows.flatMap(({ metrics, seconds }) =>
    isRegression(metrics.test) ? [] : [{ metrics, test: metrics.test, seconds }],
  );
  const regressors = rows.flatMap(({ metrics, seconds }) =>
    isRegression(metrics.test) ? [{ metrics, test: metrics.test, seconds }] : [],
  );
  return [formatSection(CLASSIFIERS, classifiers), formatSection(REGRESSORS, regressors)]
    .filter((lines) => lines.length > 0)
    .map((lines) => lines.join('\n'))
    .join('\n\n');
}

/** Model, version, row and feature counts, the section's figures, the training time; then the note and changes. */
function formatSection<M>(
  section: Section<M>,
  rows: readonly { metrics: MetricsReport; test: M; seconds: number }[],
): string[] {
  if (rows.length === 0) return [];
  const header = ['model', 'version', 'train', 'test', 'features', ...section.headings, 'seconds'];
  const lines = rows.map(({ metrics: m, test, seconds }) => [
    m.model,
    String(m.version),
    String(m.split.trainRows),
    String(m.split.testRows),
    String(m.features),
    ...section.figures(test),
    seconds.toFixed(1),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c].length)));
  const format = (cells: string[]) =>
    cells.map((cell, c) => (c < 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  // One line per later version of a model: how its held-out metrics moved against the previous version's.
  const changes = rows.flatMap(({ metrics: current, test }, i) => {
    const previous = rows
      .slice(0, i)
      .reverse()
      .find((r) => r.metrics.model === current.model);
    if (!previous) return [];
    return [
      `${current.model} v${current.version} vs v${previous.metrics.version} on the same test rows: ${section.changes(previous.test, test)}`,
    ];
  });
  return [format(header), format(widths.map((w) => '-'.repeat(w))), ...lines.map(format), '', section.note, ...changes];
}
