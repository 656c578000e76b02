// When an edge site moves to a new model version: only after the version's warm-up and smoke check pass, and back
// to the version before it, by itself, when the new one fails too often in its first minutes (its probation). The
// decisions are pure, so each rule is tested on its own; the agent does the loading and the switching.

/** What one smoke record did: its prediction's label, or the error it raised. */
export type SmokeOutcome = { label?: string; expected?: string } | { error: string };

export type GateVerdict = { passed: true; detail: string } | { passed: false; reason: string };

/**
 * A smoke check passes when no record fails and, for records with an expected label, the share predicted right is
 * at least `minAccuracy`.
 */
export function smokeVerdict(outcomes: readonly SmokeOutcome[], minAccuracy: number): GateVerdict {
  const failed = outcomes.filter((o): o is { error: string } => 'error' in o);
  if (failed.length)
    return {
      passed: false,
      reason: `${failed.length} of ${outcomes.length} smoke records failed, the first: ${failed[0].error}`,
    };
  const labelled = outcomes.filter((o) => 'expected' in o && o.expected !== undefined) as {
    label?: string;
    expected: string;
  }[];
  if (labelled.length === 0) return { passed: true, detail: `${outcomes.length} smoke records answered` };
  const right = labelled.filter((o) => o.label === o.expected).length;
  const accuracy = right / labelled.length;
  const detail = `smoke accuracy ${accuracy.toFixed(3)} on ${labelled.length} records (floor ${minAccuracy})`;
  return accuracy >= minAccuracy ? { passed: true, detail } : { passed: false, reason: detail };
}

export interface ProbationPolicy {
  durationMs: number;
  /** Server errors / requests above this sends traffic back to the previous version. */
  maxErrorRate: number;
  /** Requests needed before the error rate counts: one early failure of one request is no verdict. */
  minRequests: number;
}

export type ProbationVerdict = { state: 'watching' } | { state: 'passed' } | { state: 'failed'; reason: string };

/** A switched-to version's first minutes: its requests and server errors, and what they say. */
export class Probation {
  private requests = 0;
  private errors = 0;

  constructor(
    private readonly policy: ProbationPolicy,
    readonly startedAt: number,
  ) {}

  /** Counts one request (`failed`: a server error, not a bad request) and says where the version stands. */
  record(failed: boolean, now: number): ProbationVerdict {
    if (now - this.startedAt >= this.policy.durationMs) return this.verdict(now);
    this.requests++;
    if (failed) this.errors++;
    return this.verdict(now);
  }

  verdict(now: number): ProbationVerdict {
    const rate = this.requests ? this.errors / this.requests : 0;
    if (this.requests >= this.policy.minRequests && rate > this.policy.maxErrorRate) {
      const shown = `${this.errors} of ${this.requests} requests failed (${(rate * 100).toFixed(1)}%)`;
      return { state: 'failed', reason: `${shown}, above AVIARY_EDGE_ROLLBACK_ERROR_RATE ${this.policy.maxErrorRate}` };
    }
    return now - this.startedAt >= this.policy.durationMs ? { state: 'passed' } : { state: 'watching' };
  }

  get counts(): { requests: number; errors: number } {
    return { requests: this.requests, errors: this.errors };
  }
}

/** What the agent reports for each decision: in its log, at GET /v1/edge/status and to the hub. */
export interface EdgeSwitchEvent {
  kind: 'switched' | 'refused' | 'rolled-back' | 'confirmed';
  model: string;
  version: string;
  /** The version that served before (switched, rolled-back: the one taken out of service). */
  from?: string;
  reason: string;
  at: string;
}
