// Shadow traffic compared: a candidate's predictions against stable's on the same records — agreement on the label,
// mean absolute difference of scores, PSI of the two score distributions, candidate latency and errors. A gateway
// replica keeps one ShadowTally per (stable, candidate); shadowReport sums the replicas' summaries and reads them.
import { ShadowPairSummary } from '@aviary/contracts';
import { latencyQuantilesMs } from '@aviary/telemetry/core';

export type ScoreKind = NonNullable<ShadowPairSummary['scoreKind']>;

/** One record's two predictions read for comparison; a side without a label or score has it undefined. */
export interface PredictionPair {
  stableLabel?: string;
  candidateLabel?: string;
  scores?: { kind: ScoreKind; stable: number; candidate: number };
}

interface ClassLike {
  label?: unknown;
  probability?: unknown;
  probabilities?: unknown;
  value?: unknown;
}

/**
 * The score both sides are compared on: a regressor's value; a binary classifier's probability of the positive class;
 * a multi-class classifier's probability of the label stable predicted (so a changed mind shows as a difference).
 */
export function pairOf(stable: unknown, candidate: unknown): PredictionPair {
  const s = (stable ?? {}) as ClassLike;
  const c = (candidate ?? {}) as ClassLike;
  const pair: PredictionPair = {
    ...(typeof s.label === 'string' && { stableLabel: s.label }),
    ...(typeof c.label === 'string' && { candidateLabel: c.label }),
  };
  if (isNumber(s.value) && isNumber(c.value))
    return { ...pair, scores: { kind: 'value', stable: s.value, candidate: c.value } };
  if (pair.stableLabel === undefined || !isNumber(s.probability) || !isNumber(c.probability)) return pair;
  const sp = probabilities(s);
  const cp = probabilities(c);
  const binary = sp !== undefined && Object.keys(sp).length === 2;
  const stableScore = binary ? s.probability : (sp?.[pair.stableLabel] ?? s.probability);
  const candidateScore = binary ? c.probability : cp?.[pair.stableLabel];
  if (!isNumber(stableScore) || !isNumber(candidateScore)) return pair;
  return { ...pair, scores: { kind: 'probability', stable: stableScore, candidate: candidateScore } };
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const probabilities = (p: ClassLike) =>
  typeof p.probabilities === 'object' && p.probabilities !== null
    ? (p.probabilities as Record<string, unknown>)
    : undefined;

/**
 * The histogram bin of a score. Probabilities fall in tenths ("0".."9"). Regression values have no range known in
 * advance, yet every replica must bin alike to be summed: ten log-spaced bins per decade ("+13" holds [10^1.3,
 * 10^1.4)), mirrored for negatives, "0" for |v| < 1e-9.
 */
export function scoreBin(kind: ScoreKind, score: number): string {
  if (kind === 'probability') return String(Math.min(9, Math.max(0, Math.floor(score * 10))));
  const magnitude = Math.abs(score);
  if (magnitude < 1e-9) return '0';
  return `${score < 0 ? '-' : '+'}${Math.floor(10 * Math.log10(magnitude))}`;
}

/** Bins a side never filled count as this share, as is usual for PSI, so one empty bin does not make it infinite. */
const EMPTY_BIN_SHARE = 1e-4;

/**
 * Population stability index of `actual` against `expected` (bin → count): Σ (a − e) · ln(a / e) over the shares of
 * each bin. Under 0.1 is usually read as no shift, over 0.25 as a large one. Null when either side is empty.
 */
export function populationStabilityIndex(
  expected: Readonly<Record<string, number>>,
  actual: Readonly<Record<string, number>>,
): number | null {
  const expectedTotal = total(expected);
  const actualTotal = total(actual);
  if (expectedTotal === 0 || actualTotal === 0) return null;
  let psi = 0;
  for (const bin of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const e = Math.max((expected[bin] ?? 0) / expectedTotal, EMPTY_BIN_SHARE);
    const a = Math.max((actual[bin] ?? 0) / actualTotal, EMPTY_BIN_SHARE);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

const total = (bins: Readonly<Record<string, number>>) => Object.values(bins).reduce((sum, n) => sum + n, 0);

/** What one mirrored request's comparison added, for the replica's Prometheus series. */
export interface ComparisonResult {
  records: number;
  agreements: number;
  /** |stable − candidate| of each record pair that has scores on both sides. */
  absScoreDiffs: number[];
}

/** One replica's running comparison of one candidate against one stable version. */
export class ShadowTally {
  private readonly summary: ShadowPairSummary;
  /** Per-bound counts (not cumulative) of candidate latency; the last slot is +Inf. */
  private readonly latencyCounts: number[];

  /** `latencyBounds`: upper bounds in seconds, ascending (the replica's latency histogram buckets). */
  constructor(
    stable: string,
    candidate: string,
    private readonly latencyBounds: readonly number[],
    since: Date = new Date(),
  ) {
    this.latencyCounts = new Array(latencyBounds.length + 1).fill(0);
    this.summary = {
      stable,
      candidate,
      since: since.toISOString(),
      sent: 0,
      answered: 0,
      errors: 0,
      dropped: 0,
      records: 0,
      labelled: 0,
      agreements: 0,
      scored: 0,
      absScoreDiffSum: 0,
      scoreKind: null,
      stableBins: {},
      candidateBins: {},
      latencyBuckets: [],
    };
  }

  sent(): void {
    this.summary.sent++;
  }

  dropped(): void {
    this.summary.dropped++;
  }

  failed(seconds: number): void {
    this.summary.errors++;
    this.observeLatency(seconds);
  }

  /** The candidate answered `candidate` for the records stable answered `stable` for, in `seconds`. */
  answered(stable: readonly unknown[], candidate: readonly unknown[], seconds: number): ComparisonResult {
    const s = this.summary;
    s.answered++;
    this.observeLatency(seconds);
    const result: ComparisonResult = { records: 0, agreements: 0, absScoreDiffs: [] };
    const records = Math.min(stable.length, candidate.length);
    for (let i = 0; i < records; i++) {
      const pair = pairOf(stable[i], candidate[i]);
      result.records++;
      if (pair.stableLabel !== undefined && pair.candidateLabel !== undefined) {
        s.labelled++;
        if (pair.stableLabel === pair.candidateLabel) result.agreements++;
      }
      if (pair.scores) {
        const { kind, stable: a, candidate: b } = pair.scores;
        s.scoreKind ??= kind;
        if (kind !== s.scoreKind) continue; // a candidate of another task: its scores do not compare
        s.scored++;
        const diff = Math.abs(a - b);
        s.absScoreDiffSum += diff;
        result.absScoreDiffs.push(diff);
        increment(s.stableBins, scoreBin(kind, a));
        increment(s.candidateBins, scoreBin(kind, b));
      }
    }
    s.records += result.records;
    s.agreements += result.agreements;
    return result;
  }

  /** The PSI of the candidate's scores against stable's on the records compared so far. */
  psi(): number | null {
    return populationStabilityIndex(this.summary.stableBins, this.summary.candidateBins);
  }

  snapshot(): ShadowPairSummary {
    let cumulative = 0;
    const latencyBuckets = this.latencyCounts.map((n, i): [number | null, number] => [
      this.latencyBounds[i] ?? null,
      (cumulative += n),
    ]);
    const s = this.summary;
    return { ...s, stableBins: { ...s.stableBins }, candidateBins: { ...s.candidateBins }, latencyBuckets };
  }

  private observeLatency(seconds: number): void {
    const slot = this.latencyBounds.findIndex((bound) => seconds <= bound);
    this.latencyCounts[slot === -1 ? this.latencyBounds.length : slot]++;
  }
}

function increment(bins: Record<string, number>, bin: string): void {
  bins[bin] = (bins[bin] ?? 0) + 1;
}

/** A candidate's comparison with stable, over every replica. */
export interface ShadowRow {
  stable: string;
  candidate: string;
  /** The earliest replica's start of the tally. */
  since: string;
  sent: number;
  answered: number;
  errors: number;
  dropped: number;
  /** errors / (answered + errors); null before any answer. */
  errorRate: number | null;
  records: number;
  /** Record pairs with a label on both sides, and those whose labels agree. */
  labelled: number;
  agreements: number;
  /** agreements / labelled; null for regressors or before any. */
  agreementRate: number | null;
  meanAbsScoreDiff: number | null;
  scoreKind: ScoreKind | null;
  psi: number | null;
  latencyMs: { p50: number; p95: number; p99: number } | null;
}

/** Sums the replicas' summaries (subjects.shadowMetrics replies) per (stable, candidate) and reads the figures. */
export function shadowReport(replicas: readonly { pairs: readonly ShadowPairSummary[] }[]): ShadowRow[] {
  return mergeShadowPairs(replicas).map(shadowRow);
}

/** The replicas' summaries summed into one per (stable, candidate), sorted by stable then candidate. */
export function mergeShadowPairs(replicas: readonly { pairs: readonly ShadowPairSummary[] }[]): ShadowPairSummary[] {
  const merged = new Map<string, { pair: ShadowPairSummary; latency: Map<number, number> }>();
  for (const { pairs } of replicas)
    for (const pair of pairs) {
      const key = `${pair.stable}\u0000${pair.candidate}`;
      const into = merged.get(key);
      if (!into) {
        merged.set(key, {
          pair: { ...pair, stableBins: { ...pair.stableBins }, candidateBins: { ...pair.candidateBins } },
          latency: latencyMap(pair.latencyBuckets),
        });
        continue;
      }
      const p = into.pair;
      if (pair.since < p.since) p.since = pair.since;
      for (const field of COUNTS) p[field] += pair[field];
      p.absScoreDiffSum += pair.absScoreDiffSum;
      p.scoreKind ??= pair.scoreKind;
      addBins(p.stableBins, pair.stableBins);
      addBins(p.candidateBins, pair.candidateBins);
      for (const [bound, n] of latencyMap(pair.latencyBuckets))
        into.latency.set(bound, (into.latency.get(bound) ?? 0) + n);
    }
  return [...merged.values()]
    .map(({ pair, latency }) => ({
      ...pair,
      latencyBuckets: [...latency]
        .sort(([a], [b]) => a - b)
        .map(([bound, n]): [number | null, number] => [Number.isFinite(bound) ? bound : null, n]),
    }))
    .sort((a, b) => a.stable.localeCompare(b.stable) || a.candidate.localeCompare(b.candidate));
}

/**
 * What a pair's summed summary gained between two readings (`before` absent: everything). A count that went down
 * means a gateway replica restarted (or left) and its tally began again: the interval cannot be read (undefined).
 */
export function shadowPairDelta(
  before: ShadowPairSummary | undefined,
  after: ShadowPairSummary,
): ShadowPairSummary | undefined {
  if (!before) return after;
  const earlier = latencyMap(before.latencyBuckets);
  const delta: ShadowPairSummary = {
    ...after,
    since: before.since,
    absScoreDiffSum: after.absScoreDiffSum - before.absScoreDiffSum,
    stableBins: binDelta(before.stableBins, after.stableBins),
    candidateBins: binDelta(before.candidateBins, after.candidateBins),
    latencyBuckets: after.latencyBuckets.map(([bound, n]) => [bound, n - (earlier.get(bound ?? Infinity) ?? 0)]),
  };
  for (const field of COUNTS) delta[field] = after[field] - before[field];
  const counts = [
    ...COUNTS.map((field) => delta[field]),
    ...Object.values(delta.stableBins),
    ...Object.values(delta.candidateBins),
    ...delta.latencyBuckets.map(([, n]) => n),
  ];
  // A sum of differences of floats can dip a hair under zero without any restart.
  return counts.some((n) => n < 0) || delta.absScoreDiffSum < -1e-9 ? undefined : delta;
}

/** The figures of one (summed) pair summary. */
export function shadowRow(p: ShadowPairSummary): ShadowRow {
  return {
    stable: p.stable,
    candidate: p.candidate,
    since: p.since,
    sent: p.sent,
    answered: p.answered,
    errors: p.errors,
    dropped: p.dropped,
    errorRate: p.answered + p.errors ? p.errors / (p.answered + p.errors) : null,
    records: p.records,
    labelled: p.labelled,
    agreements: p.agreements,
    agreementRate: p.labelled ? p.agreements / p.labelled : null,
    meanAbsScoreDiff: p.scored ? Math.max(0, p.absScoreDiffSum) / p.scored : null,
    scoreKind: p.scoreKind,
    psi: populationStabilityIndex(p.stableBins, p.candidateBins),
    latencyMs: latencyQuantilesMs(latencyMap(p.latencyBuckets)),
  };
}

const COUNTS = ['sent', 'answered', 'errors', 'dropped', 'records', 'labelled', 'agreements', 'scored'] as const;

function binDelta(before: Readonly<Record<string, number>>, after: Readonly<Record<string, number>>) {
  const delta: Record<string, number> = {};
  for (const bin of new Set([...Object.keys(before), ...Object.keys(after)]))
    delta[bin] = (after[bin] ?? 0) - (before[bin] ?? 0);
  return delta;
}

function addBins(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [bin, n] of Object.entries(from)) into[bin] = (into[bin] ?? 0) + n;
}

const latencyMap = (buckets: ShadowPairSummary['latencyBuckets']) =>
  new Map(buckets.map(([bound, n]) => [bound ?? Infinity, n]));

/**
 * Whether a request is in the shadowed `percent`: by a hash of its targeting key when it has one, so a user is
 * mirrored on every request or on none, else at random.
 */
export function inShadowSample(percent: number, targetingKey?: unknown, random: () => number = Math.random): boolean {
  if (percent <= 0) return false;
  if (percent >= 100) return true;
  const share = typeof targetingKey === 'string' ? keyHash(targetingKey) / 0x1_0000_0000 : random();
  return share * 100 < percent;
}

/**
 * FNV-1a, 32 bits, then murmur3's finaliser: keys differing only in their last character ("user-1", "user-2") would
 * otherwise land within a few percent of each other.
 */
function keyHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
