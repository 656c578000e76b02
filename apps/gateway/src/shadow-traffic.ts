// Shadow traffic: a share of a model's unversioned predict requests, set by its shadow flag (model.<name>.shadow, an
// object variant {version, percent}, in the operators' model flag set or else the rollouts set), is also sent to a candidate version once stable has answered. The candidate's
// answers are never returned, only compared with stable's (@aviary/rollout's ShadowTally); Prometheus scrapes the
// figures and subjects.shadowMetrics serves this replica's tallies to the rollout controller.
import {
  AviaryError,
  ModelManifest,
  modelShadowFlag,
  RequestContext,
  ROLLOUT_FLAG_SET,
  ShadowSettings,
  shadowSettingsSchema,
  ShadowSummary,
  subjects,
} from '@aviary/contracts';
import { encodeJson, NatsRpc } from '@aviary/messaging';
import { inShadowSample, ShadowTally } from '@aviary/rollout';
import { counter, createLogger, LATENCY_BUCKETS, latencyHistogram, metricsRegistry } from '@aviary/telemetry';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { EvaluationContext } from '@openfeature/core';
import { Subscription } from 'nats';
import { Gauge, Histogram } from 'prom-client';
import { GATEWAY_CONFIG, GatewayConfig } from './config';
import { countFlagEvaluation } from './flag-metrics';
import { GatewayFlagSets } from './gateway-flag-sets';
import { ModelCatalog } from './model-catalog';

const log = createLogger('gateway');
const PAIR = ['model', 'stable', 'candidate'];
const requests = counter(
  'aviary_shadow_requests_total',
  'Requests mirrored to a shadow candidate by outcome: ok, error (the candidate failed), dropped (too many in flight)',
  [...PAIR, 'outcome'],
);
const records = counter('aviary_shadow_records_total', 'Record pairs compared between stable and candidate', PAIR);
const agreements = counter(
  'aviary_shadow_agreements_total',
  'Record pairs on which stable and candidate predicted the same label',
  PAIR,
);
const scoreDifference = new Histogram({
  name: 'aviary_shadow_score_abs_difference',
  help: '|stable - candidate| per record: probability of the positive (binary) or stable-predicted class, or value',
  labelNames: PAIR,
  buckets: [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10],
  registers: [metricsRegistry],
});
const psi = new Gauge({
  name: 'aviary_shadow_psi',
  help: "PSI of the candidate's score distribution against stable's on the records this replica compared",
  labelNames: PAIR,
  registers: [metricsRegistry],
});
const latency = latencyHistogram('aviary_shadow_duration_seconds', 'Candidate latency of mirrored requests', PAIR);

/** A variant's value parsed once: flagd-core answers the flag's own value object on every evaluation. */
const parsed = new WeakMap<object, ShadowSettings | null>();

/** The settings a shadow flag's value holds, or null when it holds none (the schema takes only objects). */
function parsedSettings(value: unknown): ShadowSettings | null {
  if (typeof value !== 'object' || value === null) return null;
  let settings = parsed.get(value);
  if (settings === undefined) {
    const result = shadowSettingsSchema.safeParse(value);
    parsed.set(value, (settings = result.success ? result.data : null));
  }
  return settings;
}

interface Mirrored {
  model: string;
  stable: string;
  candidate: string;
  /** Stable's predictions, to compare the candidate's with. */
  predictions: readonly unknown[];
}

@Injectable()
export class ShadowTraffic implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly flagSet: string;
  private readonly maxInFlight: number;
  private readonly inFlight = new Set<Promise<void>>();
  /** model → "stable/candidate" → tally. */
  private readonly tallies = new Map<string, Map<string, ShadowTally>>();
  private subscription?: Subscription;

  constructor(
    private readonly flagSets: GatewayFlagSets,
    private readonly catalog: ModelCatalog,
    private readonly rpc: NatsRpc,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.flagSet = config.AVIARY_MODEL_FLAG_SET;
    this.maxInFlight = config.AVIARY_SHADOW_MAX_IN_FLIGHT;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.rpc.serve(subjects.shadowMetrics('*'), undefined, async (request) =>
      encodeJson(this.summary(request.subject.split('.').pop() as string)),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.subscription) await this.rpc.unserve(this.subscription);
    await Promise.all(this.inFlight);
  }

  /**
   * The version a request `served` answered should also go to, if any: the operators' shadow flag when it picks a
   * variant, else the rollout controller's (ROLLOUT_FLAG_SET), as the version flags layer. A model without a shadow
   * flag in either set costs two map lookups; a flag whose value is not {version, percent} shadows nothing (and
   * counts as an ERROR evaluation).
   */
  candidateFor(model: string, served: string, context: RequestContext): string | undefined {
    const flag = modelShadowFlag(model);
    const settings = this.settings(this.flagSet, flag, context) ?? this.settings(ROLLOUT_FLAG_SET, flag, context);
    if (!settings) return undefined;
    const { version, percent } = settings;
    return version !== served && inShadowSample(percent, context.targetingKey) ? version : undefined;
  }

  /** The flag's settings in one set; undefined when the set has no such flag or it picks nothing usable. */
  private settings(setName: string, flag: string, context: RequestContext): ShadowSettings | undefined {
    const set = this.flagSets.get(setName)?.set;
    if (!set?.has(flag)) return undefined;
    const result = set.resolve(flag, context as EvaluationContext, 'object');
    // No variant (a disabled flag, targeting that picked none) means no shadow, as the caller's default would.
    const settings = result.errorCode || result.variant === undefined ? undefined : parsedSettings(result.value);
    const malformed = result.errorCode !== undefined || settings === null;
    countFlagEvaluation(setName, flag, result.variant, malformed ? 'ERROR' : (result.reason ?? 'UNKNOWN'));
    return settings ?? undefined;
  }

  /**
   * Sends the request to the candidate with `send` on a later turn of the event loop, so the response goes out first;
   * past AVIARY_SHADOW_MAX_IN_FLIGHT mirrored requests in flight it is dropped and counted instead. Never throws.
   */
  mirror(request: Mirrored, send: (candidate: ModelManifest) => Promise<unknown[]>): void {
    const { model, stable, candidate } = request;
    const labels = { model, stable, candidate };
    const tally = this.tally(model, stable, candidate);
    if (this.inFlight.size >= this.maxInFlight) {
      tally.dropped();
      requests.inc({ ...labels, outcome: 'dropped' });
      return;
    }
    tally.sent();
    const task = new Promise<void>((resolve) => setImmediate(resolve))
      .then(async () => {
        const started = performance.now();
        try {
          const answer = await send(this.catalog.manifest(model, candidate));
          const seconds = (performance.now() - started) / 1000;
          const result = tally.answered(request.predictions, answer, seconds);
          requests.inc({ ...labels, outcome: 'ok' });
          latency.observe(labels, seconds);
          records.inc(labels, result.records);
          agreements.inc(labels, result.agreements);
          for (const diff of result.absScoreDiffs) scoreDifference.observe(labels, diff);
          const index = tally.psi();
          if (index !== null) psi.set(labels, index);
        } catch (failure) {
          const seconds = (performance.now() - started) / 1000;
          tally.failed(seconds);
          requests.inc({ ...labels, outcome: 'error' });
          latency.observe(labels, seconds);
          // A candidate that is down fails every mirrored request: the counter says so, the log need not.
          if (!(failure instanceof AviaryError)) log.error({ err: failure, ...labels }, 'unexpected shadow failure');
        }
      })
      .finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
  }

  summary(model: string): ShadowSummary {
    return { model, pairs: [...(this.tallies.get(model)?.values() ?? [])].map((t) => t.snapshot()) };
  }

  private tally(model: string, stable: string, candidate: string): ShadowTally {
    let pairs = this.tallies.get(model);
    if (!pairs) this.tallies.set(model, (pairs = new Map()));
    const key = `${stable}/${candidate}`;
    let tally = pairs.get(key);
    if (!tally) pairs.set(key, (tally = new ShadowTally(stable, candidate, LATENCY_BUCKETS)));
    return tally;
  }
}
