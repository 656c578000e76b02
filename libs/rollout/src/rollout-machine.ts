// The rollout state machine, pure: given the spec, the stored status, the measurements just taken and the time, it
// answers the next status and what the controller must make true (traffic, serving pointer, events). Analysis follows
// Argo Rollouts' AnalysisRun semantics (count, interval, initialDelay, failure/inconclusive/consecutive-error limits,
// dryRun) except that a measurement without data is Inconclusive, never Successful or Failed.
import { AviaryError, ROLLOUT_COMMANDS } from '@aviary/contracts';
import { Condition } from './condition';
import type { MetricValue } from './builtin-metrics';
import type { AnalysisMetric, RolloutSpec } from './rollout-document';

export type RolloutPhase = 'Progressing' | 'Paused' | 'Healthy' | 'Degraded';
export type MeasurementPhase = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';
export type RunPhase = 'Running' | MeasurementPhase;

export interface Measurement {
  at: string;
  phase: MeasurementPhase;
  value?: number;
  /** Why it is inconclusive or an error; or the condition it was held to. */
  message: string;
}

export interface MetricRun {
  name: string;
  phase: RunPhase;
  /** Measurements taken (errors excluded: a failed reading is retried at the next interval). */
  count: number;
  successful: number;
  failed: number;
  inconclusive: number;
  errors: number;
  consecutiveErrors: number;
  /** When the next reading is due. */
  nextAt: string;
  /** The provider's reading the next measurement starts from (built-in: version totals); none yet: prime first. */
  baseline?: unknown;
  primed: boolean;
  /** The latest measurements, newest last. */
  measurements: Measurement[];
}

export interface AnalysisRun {
  /** The step the run belongs to; null for the background analysis. */
  step: number | null;
  startedAt: string;
  phase: RunPhase;
  message?: string;
  metrics: MetricRun[];
}

export interface HistoryEntry {
  /** Increases by one per entry over the rollout's whole life (across retries): the event's id. */
  seq: number;
  at: string;
  kind: 'applied' | 'step' | 'measurement' | 'phase' | 'command';
  message: string;
  phase: RolloutPhase;
  step: number;
}

export interface RolloutStatus {
  model: string;
  stable: string;
  candidate: string;
  phase: RolloutPhase;
  reason?: string;
  /** Index of the current step; steps.length once every step is done. */
  step: number;
  stepStartedAt: string;
  /** The candidate's share of traffic (0-100) while the rollout is Progressing or Paused. */
  weight: number;
  analysis?: AnalysisRun;
  background?: AnalysisRun;
  /** The version the serving pointer must name: stable, then the candidate once Healthy (stable again after undo). */
  serving: string;
  /** The version the controller last set the serving pointer to for this rollout (it moves it when `serving` differs). */
  servingApplied: string;
  /** Blue/green, once promoted: when, and until when `undo` switches back to stable at once (scaleDownDelaySeconds). */
  promotedAt?: string;
  scaleDownAt?: string;
  /** The last seq used, so an event id is never reused. */
  seq: number;
  history: HistoryEntry[];
}

/** One reading the controller took: a priming one carries only `reading`; a measurement also its value or error. */
export interface MeasurementInput {
  /** null: the background analysis. */
  step: number | null;
  runStartedAt: string;
  metric: string;
  reading?: unknown;
  result?: MetricValue | { error: string };
}

/** A reading the controller must take this tick. */
export interface DueMeasurement {
  step: number | null;
  runStartedAt: string;
  metric: AnalysisMetric;
  baseline?: unknown;
  /** Only a reading to start from; no measurement is recorded. */
  prime: boolean;
}

/** What the controller (or admin) knows of the replicas when it advances: traffic moves only to warm versions. */
export interface ReplicaFacts {
  /** Versions of the model ready on some inference replica; undefined: not checked (canary weights need no check). */
  warm?: ReadonlySet<string>;
}

/** What must hold once the status is written: the traffic the model's rollout flag gives, the serving pointer. */
export interface RolloutActions {
  /** The rollout flag's canary weight and match rules; null: no rollout flag (the serving pointer takes all). */
  traffic: {
    stable: string;
    canary: string;
    weight: number;
    match: RolloutSpec['match'];
    /** Mirror this share of stable's requests to the candidate (the model's shadow flag). */
    shadow?: { percent: number };
    /** False for a shadow rollout: the candidate takes no traffic, so there is no version flag at all. */
    versionFlag?: false;
  } | null;
  serving: string;
  /** History entries added by this transition, to publish as events. */
  events: HistoryEntry[];
}

export type RolloutCommand = (typeof ROLLOUT_COMMANDS)[number];

export const HISTORY_LIMIT = 200;
export const MEASUREMENT_LIMIT = 20;

/** A fresh rollout of `spec` over `stable` from step 0; the history (and its seq) goes on from `previous`, if any. */
export function startRollout(spec: RolloutSpec, stable: string, now: Date, previous?: RolloutStatus): RolloutStatus {
  const status: RolloutStatus = {
    model: spec.model,
    stable,
    candidate: spec.candidate,
    phase: 'Progressing',
    step: 0,
    stepStartedAt: now.toISOString(),
    weight: 0,
    serving: stable,
    servingApplied: stable,
    seq: previous?.seq ?? 0,
    history: [...(previous?.history ?? [])],
  };
  if (spec.background.length) status.background = newRun(spec.background, null, now);
  record(status, now, 'applied', `rollout of ${spec.model} version ${spec.candidate} over stable ${stable} started`);
  return status;
}

/** Whether the rollout still routes traffic (and so blocks `aviary models serve`). */
export const isActive = (status: RolloutStatus) => status.phase === 'Progressing' || status.phase === 'Paused';

/** The readings due at `now`, for the analysis runs the status holds. */
export function dueMeasurements(spec: RolloutSpec, status: RolloutStatus, now: Date): DueMeasurement[] {
  if (!isActive(status)) return [];
  const due: DueMeasurement[] = [];
  // While Paused only the background analysis measures: a failing candidate is aborted even during a pause.
  for (const run of status.phase === 'Paused' ? [status.background] : [status.analysis, status.background]) {
    if (!run || run.phase !== 'Running') continue;
    const metrics = run.step === null ? spec.background : metricsOfStep(spec, run.step);
    for (const m of run.metrics) {
      const metric = metrics.find((x) => x.name === m.name);
      if (!metric || m.phase !== 'Running' || Date.parse(m.nextAt) > now.getTime()) continue;
      due.push({ step: run.step, runStartedAt: run.startedAt, metric, baseline: m.baseline, prime: !m.primed });
    }
  }
  return due;
}

/** One tick: the readings taken are recorded, then the rollout goes as far as its steps allow at `now`. */
export function advance(
  spec: RolloutSpec,
  current: RolloutStatus,
  measurements: readonly MeasurementInput[],
  now: Date,
  facts: ReplicaFacts = {},
): { status: RolloutStatus; actions: RolloutActions } {
  const status = structuredClone(current);
  const seqBefore = status.seq;
  if (status.phase === 'Progressing') {
    for (const input of measurements) recordMeasurement(spec, status, input, now);
    progress(spec, status, now, facts);
  } else if (status.phase === 'Paused') {
    for (const input of measurements) if (input.step === null) recordMeasurement(spec, status, input, now);
    checkBackground(status, now);
  }
  return { status, actions: actionsOf(spec, status, seqBefore) };
}

/** An operator's command; refused (FAILED_PRECONDITION) when the phase does not allow it. */
export function applyCommand(
  spec: RolloutSpec,
  current: RolloutStatus,
  command: RolloutCommand,
  now: Date,
  facts: ReplicaFacts = {},
): { status: RolloutStatus; actions: RolloutActions } {
  let status = structuredClone(current);
  const seqBefore = status.seq;
  const refuse = (why: string) => {
    throw new AviaryError(
      `cannot ${command.replace('-', ' --')} the rollout of ${status.model}: ${why}`,
      'FAILED_PRECONDITION',
    );
  };
  const active = isActive(status);
  switch (command) {
    case 'promote':
    case 'promote-full':
      if (!active) refuse(`it is ${status.phase}`);
      status.phase = 'Progressing';
      delete status.reason;
      delete status.analysis;
      status.step = command === 'promote-full' ? spec.steps.length : promotedStep(spec, status.step);
      status.stepStartedAt = now.toISOString();
      record(
        status,
        now,
        'command',
        command === 'promote-full'
          ? 'promoted fully: every step skipped'
          : status.step === current.step
            ? 'promoted'
            : `promoted: step${status.step - current.step > 1 ? 's' : ''} ${range(current.step, status.step)} skipped`,
      );
      progress(spec, status, now, facts);
      break;
    case 'pause':
      if (status.phase !== 'Progressing') refuse(`it is ${status.phase}`);
      setPhase(status, now, 'Paused', 'paused by an operator');
      break;
    case 'resume': {
      if (status.phase !== 'Paused') refuse(`it is ${status.phase}, not Paused`);
      const step = spec.steps[status.step];
      // An indefinite pause waits for exactly this; any other step starts over (a fresh analysis, a full pause).
      if (step?.kind === 'pause' && step.durationMs === undefined) status.step++;
      delete status.analysis;
      if (status.background && status.background.phase !== 'Running')
        status.background = newRun(spec.background, null, now);
      status.stepStartedAt = now.toISOString();
      setPhase(status, now, 'Progressing', undefined, 'resumed by an operator');
      progress(spec, status, now, facts);
      break;
    }
    case 'abort':
      if (!active) refuse(`it is ${status.phase}`);
      abort(status, now, 'aborted by an operator');
      break;
    case 'retry':
      if (status.phase !== 'Degraded') refuse(`it is ${status.phase}; only a Degraded rollout is retried`);
      status = startRollout(spec, status.serving, now, status);
      record(status, now, 'command', 'retried from the first step');
      progress(spec, status, now, facts);
      break;
    case 'undo':
      if (status.phase === 'Degraded') refuse('it is already Degraded; stable serves');
      if (status.phase === 'Healthy') {
        const why = undoRefusal(status, now, facts);
        if (why) refuse(why);
        abort(status, now, `undone by an operator: version ${status.stable} serves again`);
      } else abort(status, now, 'undone by an operator');
      break;
  }
  return { status, actions: actionsOf(spec, status, seqBefore) };
}

/** A background run that ended badly pauses (inconclusive) or aborts the rollout; answers whether it did. */
function checkBackground(status: RolloutStatus, now: Date): boolean {
  const background = status.background;
  if (!background || background.phase === 'Running' || background.phase === 'Successful') return false;
  const reason = `background analysis ${background.phase.toLowerCase()}: ${background.message}`;
  if (background.phase !== 'Inconclusive') abort(status, now, reason);
  else if (status.reason !== reason) setPhase(status, now, 'Paused', reason);
  return true;
}

function progress(spec: RolloutSpec, status: RolloutStatus, now: Date, facts: ReplicaFacts): void {
  if (checkBackground(status, now)) return;
  while (status.phase === 'Progressing') {
    const step = spec.steps[status.step];
    if (!step) {
      // promote --full skips a blue/green's switch step: it switches here.
      if (spec.blueGreen && status.promotedAt === undefined && !switchTraffic(spec, status, now, facts)) return;
      status.weight = 100;
      status.serving = status.candidate;
      delete status.analysis;
      delete status.background;
      setPhase(status, now, 'Healthy', `every step passed: version ${status.candidate} serves`);
      return;
    }
    switch (step.kind) {
      case 'setWeight':
        status.weight = step.weight;
        record(status, now, 'step', `step ${status.step}: canary weight ${step.weight}%`);
        nextStep(status, now);
        continue;
      case 'pause':
        if (step.durationMs === undefined)
          return setPhase(status, now, 'Paused', `step ${status.step}: ${step.label ?? 'paused until promoted'}`);
        if (now.getTime() - Date.parse(status.stepStartedAt) < step.durationMs) return;
        record(
          status,
          now,
          'step',
          `step ${status.step}: ${step.label ? `${step.label} after` : 'pause of'} ${step.durationMs / 1000}s${step.label ? '' : ' over'}`,
        );
        nextStep(status, now);
        continue;
      case 'analysis': {
        const what = step.label ?? 'analysis';
        if (status.analysis?.step !== status.step) {
          status.analysis = newRun(step.metrics, status.step, now);
          record(
            status,
            now,
            'step',
            `step ${status.step}: ${what} started (${step.metrics.map((m) => m.name).join(', ')})`,
          );
        }
        const run = status.analysis;
        if (run.phase === 'Running') return;
        if (run.phase === 'Successful') {
          record(status, now, 'step', `step ${status.step}: ${what} successful`);
          delete status.analysis;
          nextStep(status, now);
          continue;
        }
        if (run.phase === 'Inconclusive')
          return setPhase(status, now, 'Paused', `step ${status.step}: ${what} inconclusive: ${run.message}`);
        return abort(status, now, `step ${status.step}: ${what} ${run.phase.toLowerCase()}: ${run.message}`);
      }
      case 'switch':
        if (!switchTraffic(spec, status, now, facts)) return;
        nextStep(status, now);
        continue;
    }
  }
}

function nextStep(status: RolloutStatus, now: Date): void {
  status.step++;
  status.stepStartedAt = now.toISOString();
}

function abort(status: RolloutStatus, now: Date, reason: string): void {
  status.weight = 0;
  status.serving = status.stable;
  setPhase(status, now, 'Degraded', reason);
}

function setPhase(status: RolloutStatus, now: Date, phase: RolloutPhase, reason?: string, message?: string): void {
  status.phase = phase;
  if (reason === undefined) delete status.reason;
  else status.reason = reason;
  record(status, now, 'phase', message ?? `${phase}${reason ? `: ${reason}` : ''}`);
}

function record(status: RolloutStatus, now: Date, kind: HistoryEntry['kind'], message: string): void {
  status.seq++;
  status.history.push({
    seq: status.seq,
    at: now.toISOString(),
    kind,
    message,
    phase: status.phase,
    step: status.step,
  });
  if (status.history.length > HISTORY_LIMIT) status.history.splice(0, status.history.length - HISTORY_LIMIT);
}

function newRun(metrics: readonly AnalysisMetric[], step: number | null, now: Date): AnalysisRun {
  return {
    step,
    startedAt: now.toISOString(),
    phase: 'Running',
    metrics: metrics.map((m) => ({
      name: m.name,
      phase: 'Running',
      count: 0,
      successful: 0,
      failed: 0,
      inconclusive: 0,
      errors: 0,
      consecutiveErrors: 0,
      nextAt: new Date(now.getTime() + m.initialDelayMs).toISOString(),
      primed: false,
      measurements: [],
    })),
  };
}

/**
 * Blue/green's promotion: every request and the serving pointer move to the candidate at once, stable staying the
 * instant-rollback target for the scale-down delay. Only to a warm candidate: until it is, the rollout waits (the
 * reason says why) and answers false.
 */
function switchTraffic(spec: RolloutSpec, status: RolloutStatus, now: Date, facts: ReplicaFacts): boolean {
  if (facts.warm && !facts.warm.has(status.candidate)) {
    const reason = `waiting for version ${status.candidate} to be ready on an inference replica before switching`;
    if (status.reason !== reason) {
      status.reason = reason;
      record(status, now, 'step', `step ${status.step}: ${reason}`);
    }
    return false;
  }
  delete status.reason;
  const until = new Date(now.getTime() + (spec.blueGreen?.scaleDownDelayMs ?? 0));
  status.weight = 100;
  status.serving = status.candidate;
  status.promotedAt = now.toISOString();
  status.scaleDownAt = until.toISOString();
  record(
    status,
    now,
    'step',
    `${spec.steps[status.step]?.kind === 'switch' ? `step ${status.step}: ` : ''}promoted: all traffic on version ${status.candidate}; version ${status.stable} stays the instant-rollback target until ${status.scaleDownAt}`,
  );
  return true;
}

/** Why `undo` of a Healthy rollout may not switch back to stable, if it may not. */
function undoRefusal(status: RolloutStatus, now: Date, facts: ReplicaFacts): string | undefined {
  if (status.scaleDownAt !== undefined && now.getTime() > Date.parse(status.scaleDownAt))
    return `its scale-down window ended at ${status.scaleDownAt}: version ${status.stable} is no longer the rollback target; apply a new rollout with candidate ${status.stable}, or serve it with aviary models serve ${status.model} ${status.stable}`;
  if (facts.warm && !facts.warm.has(status.stable))
    return `version ${status.stable} is not ready on any inference replica`;
  return undefined;
}

/** Where `promote` goes: the next step; for blue/green, until it has switched, the switch itself. */
function promotedStep(spec: RolloutSpec, step: number): number {
  const switchAt = spec.steps.findIndex((s) => s.kind === 'switch');
  return step <= switchAt ? switchAt : Math.min(step + 1, spec.steps.length);
}

const range = (from: number, to: number) => (to - from > 1 ? `${from}-${to - 1}` : String(from));

function metricsOfStep(spec: RolloutSpec, step: number): AnalysisMetric[] {
  const s = spec.steps[step];
  return s?.kind === 'analysis' ? s.metrics : [];
}

function recordMeasurement(spec: RolloutSpec, status: RolloutStatus, input: MeasurementInput, now: Date): void {
  const run = input.step === null ? status.background : status.analysis;
  if (!run || run.step !== input.step || run.startedAt !== input.runStartedAt || run.phase !== 'Running') return;
  const metric = (input.step === null ? spec.background : metricsOfStep(spec, input.step)).find(
    (m) => m.name === input.metric,
  );
  const state = run.metrics.find((m) => m.name === input.metric);
  if (!metric || !state || state.phase !== 'Running') return;
  state.baseline = input.reading;
  state.nextAt = new Date(now.getTime() + metric.intervalMs).toISOString();
  if (!input.result) {
    state.primed = true;
    return;
  }
  const measurement = assess(metric, input.result, now);
  state.measurements.push(measurement);
  if (state.measurements.length > MEASUREMENT_LIMIT) state.measurements.shift();
  if (measurement.phase === 'Error') {
    state.errors++;
    state.consecutiveErrors++;
  } else {
    state.consecutiveErrors = 0;
    state.count++;
    if (measurement.phase === 'Successful') state.successful++;
    if (measurement.phase === 'Failed') state.failed++;
    if (measurement.phase === 'Inconclusive') state.inconclusive++;
  }
  state.phase = metricPhase(metric, state);
  const where = input.step === null ? 'background analysis' : `step ${input.step}`;
  const shown = measurement.value === undefined ? '' : ` = ${round(measurement.value)}`;
  record(
    status,
    now,
    'measurement',
    `${where}: ${metric.name}${shown} ${measurement.phase}: ${measurement.message}${metric.dryRun ? ' (dry run)' : ''}`,
  );
  assessRun(run, input.step === null ? spec.background : metricsOfStep(spec, input.step));
}

/** Argo's evaluation: a true failureCondition fails; else a true successCondition succeeds; else it depends. */
function assess(metric: AnalysisMetric, result: MetricValue | { error: string }, now: Date): Measurement {
  const at = now.toISOString();
  if ('error' in result) return { at, phase: 'Error', message: result.error };
  if ('inconclusive' in result) return { at, phase: 'Inconclusive', message: result.inconclusive };
  const { value } = result;
  const holds = (source: string) => Condition.parse(source).evaluate(value);
  if (metric.failureCondition && holds(metric.failureCondition))
    return { at, phase: 'Failed', value, message: `failureCondition ${metric.failureCondition} holds` };
  if (metric.successCondition && holds(metric.successCondition))
    return { at, phase: 'Successful', value, message: `successCondition ${metric.successCondition} holds` };
  if (metric.successCondition && metric.failureCondition)
    return { at, phase: 'Inconclusive', value, message: 'neither condition holds' };
  if (metric.successCondition)
    return { at, phase: 'Failed', value, message: `successCondition ${metric.successCondition} does not hold` };
  return { at, phase: 'Successful', value, message: `failureCondition ${metric.failureCondition} does not hold` };
}

function metricPhase(metric: AnalysisMetric, m: MetricRun): RunPhase {
  if (m.consecutiveErrors > metric.consecutiveErrorLimit) return 'Error';
  if (m.failed > metric.failureLimit) return 'Failed';
  if (m.inconclusive > metric.inconclusiveLimit) return 'Inconclusive';
  if (metric.count !== undefined && m.count >= metric.count) return 'Successful';
  return 'Running';
}

/** The run's phase from its metrics'; a dry-run metric's result is recorded but decides nothing. */
function assessRun(run: AnalysisRun, metrics: readonly AnalysisMetric[]): void {
  const deciding = run.metrics.filter((m) => !metrics.find((x) => x.name === m.name)?.dryRun);
  const last = (m: MetricRun) => m.measurements.at(-1)?.message ?? '';
  const describe = (m: MetricRun) => `${m.name} ${m.phase.toLowerCase()} (${last(m)})`;
  const bad = deciding.find((m) => m.phase === 'Failed' || m.phase === 'Error');
  if (bad) {
    run.phase = bad.phase;
    run.message = describe(bad);
    return;
  }
  const inconclusive = deciding.find((m) => m.phase === 'Inconclusive');
  if (inconclusive) {
    run.phase = 'Inconclusive';
    run.message = describe(inconclusive);
    return;
  }
  const done = deciding.length
    ? deciding.every((m) => m.phase === 'Successful')
    : run.metrics.every((m) => m.phase !== 'Running');
  if (done) {
    run.phase = 'Successful';
    run.message = 'every metric successful';
  }
}

function actionsOf(spec: RolloutSpec, status: RolloutStatus, seqBefore: number): RolloutActions {
  return {
    traffic: isActive(status)
      ? {
          stable: status.stable,
          canary: status.candidate,
          weight: status.weight,
          match: spec.match,
          ...(spec.shadow && { shadow: spec.shadow }),
          ...(spec.strategy === 'shadow' && { versionFlag: false as const }),
        }
      : null,
    serving: status.serving,
    events: status.history.filter((e) => e.seq > seqBefore),
  };
}

const round = (n: number) => (Number.isInteger(n) ? String(n) : n.toPrecision(4));
