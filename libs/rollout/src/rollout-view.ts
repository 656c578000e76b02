// A rollout for the terminal (`aviary rollout status MODEL [--watch]`): the phase, the weights, the steps with the
// current one marked, and each analysis metric's latest measurements against its condition; for blue/green the
// active and preview versions and the time left to auto-promotion or to the end of the instant-rollback window.
import { MatchRule, parseRolloutDocument, RolloutSpec, RolloutStep } from './rollout-document';
import type { AnalysisRun, RolloutStatus } from './rollout-machine';
import type { StoredRollout } from './rollout-store';

export function formatRollout(
  { document, status }: Pick<StoredRollout, 'document' | 'status'>,
  now: Date = new Date(),
): string {
  const spec = parseRolloutDocument(document);
  const lines = [
    `${status.model}: ${status.phase}${status.reason ? ` (${status.reason})` : ''}`,
    spec.blueGreen
      ? blueGreenLine(spec, status, now)
      : spec.strategy === 'shadow'
        ? `  stable ${status.stable} 100%  ·  shadow ${status.candidate} mirrors ${spec.shadow?.percent}%  ·  serving ${status.serving}`
        : `  stable ${status.stable} ${100 - status.weight}%  ·  canary ${status.candidate} ${status.weight}%${spec.shadow ? ` (mirrors ${spec.shadow.percent}%)` : ''}  ·  serving ${status.serving}`,
    '  steps:',
    ...spec.steps.map(
      (step, i) => `  ${i === status.step ? '▶' : i < status.step ? '✓' : ' '} ${i}. ${describeStep(step)}`,
    ),
  ];
  if (status.step >= spec.steps.length) lines.push('  ✓ every step done');
  const runs: [string, AnalysisRun | undefined][] = [
    [`step ${status.step} analysis`, status.analysis],
    ['background analysis', status.background],
  ];
  for (const [title, run] of runs) {
    if (!run) continue;
    const metrics =
      run.step === null
        ? spec.background
        : spec.steps[run.step]?.kind === 'analysis'
          ? (spec.steps[run.step] as Extract<RolloutStep, { kind: 'analysis' }>).metrics
          : [];
    lines.push(`  ${title}: ${run.phase}${run.message ? ` (${run.message})` : ''}`);
    for (const m of run.metrics) {
      const metric = metrics.find((x) => x.name === m.name);
      const condition = [
        metric?.successCondition && `success: ${metric.successCondition}`,
        metric?.failureCondition && `failure: ${metric.failureCondition}`,
      ]
        .filter(Boolean)
        .join(', ');
      lines.push(
        `    ${m.name} [${condition}] ${m.phase}: ${m.successful} ok, ${m.failed} failed, ${m.inconclusive} inconclusive, ${m.errors} errors${metric?.count ? ` of ${metric.count}` : ''}`,
      );
      for (const x of m.measurements.slice(-3))
        lines.push(
          `      ${x.at.slice(11, 19)} ${x.value === undefined ? '-' : round(x.value)} ${x.phase}: ${x.message}`,
        );
    }
  }
  return lines.join('\n');
}

function describeStep(step: RolloutStep): string {
  switch (step.kind) {
    case 'setWeight':
      return `setWeight ${step.weight}`;
    case 'pause':
      if (step.label)
        return step.durationMs === undefined ? step.label : `${step.label} after ${step.durationMs / 1000}s`;
      return step.durationMs === undefined ? 'pause until promoted' : `pause ${step.durationMs / 1000}s`;
    case 'analysis':
      return `${step.label ?? 'analysis'} ${step.metrics.map((m) => m.name).join(', ')}`;
    case 'switch':
      return 'switch all traffic and the serving pointer to the candidate';
  }
}

/** Who is active and who previews; the seconds left to auto-promotion, or to the end of instant rollback. */
function blueGreenLine(spec: RolloutSpec, status: RolloutStatus, now: Date): string {
  const promoted = status.promotedAt !== undefined && status.serving === status.candidate;
  const parts = promoted
    ? [`active ${status.candidate} 100%`, `previous ${status.stable}`]
    : [
        `active ${status.stable}`,
        `preview ${status.candidate} (${spec.match.map(describeRule).join(' or ') || 'no preview rule'})`,
      ];
  parts.push(`serving ${status.serving}`);
  const step = spec.steps[status.step];
  if (status.phase === 'Progressing' && step?.kind === 'pause' && step.durationMs !== undefined)
    parts.push(`auto-promotion in ${secondsLeft(Date.parse(status.stepStartedAt) + step.durationMs, now)}`);
  if (promoted && status.scaleDownAt) {
    const left = Date.parse(status.scaleDownAt) - now.getTime();
    parts.push(
      left > 0
        ? `instant rollback (undo) until ${status.scaleDownAt} (${secondsLeft(Date.parse(status.scaleDownAt), now)} left)`
        : `scale-down window ended at ${status.scaleDownAt}`,
    );
  }
  return `  ${parts.join('  ·  ')}`;
}

const describeRule = (rule: MatchRule) =>
  `${'header' in rule ? `header ${rule.header}` : rule.attribute} in ${rule.values.join(', ')}`;

const secondsLeft = (at: number, now: Date) => `${Math.max(0, Math.ceil((at - now.getTime()) / 1000))}s`;

const round = (n: number) => (Number.isInteger(n) ? String(n) : n.toPrecision(4));
