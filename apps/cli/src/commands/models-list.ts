// `aviary models list [--json]`: every version with its state across inference replicas.
import { VersionSummary } from '@aviary/model-registry';

const HEADINGS = ['MODEL', 'VERSION', 'STATE', 'REPLICAS', 'SHA256', 'METRICS', 'REASON'];

/** Metrics files from tools/train nest the held-out figures under "test"; others may put them at the top. */
const heldOut = (metrics: Record<string, unknown>) =>
  typeof metrics.test === 'object' && metrics.test !== null ? (metrics.test as Record<string, unknown>) : metrics;

const SHOWN_METRICS = ['auc', 'accuracy', 'logLoss', 'macroF1', 'rmse', 'r2'];

export function formatTable(rows: readonly VersionSummary[]): string {
  const cells = rows.map((r) => [
    r.name,
    r.version,
    r.state,
    String(r.readyReplicas),
    r.sha256.slice(0, 12),
    // A push evaluation wins over the trainer's figures: the platform measured it, on the set the gate saw.
    Object.entries(r.evaluation?.metrics ?? heldOut(r.metrics))
      .filter(([k, v]) => typeof v === 'number' && SHOWN_METRICS.includes(k))
      .map(([k, v]) => `${k}=${Number(v).toFixed(3)}`)
      .join(' '),
    r.reason ?? '',
  ]);
  const widths = HEADINGS.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  return [HEADINGS, ...cells]
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
