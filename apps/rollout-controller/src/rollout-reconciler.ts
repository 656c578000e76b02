// The rollout controller's loop: one replica leads (KV lease); each tick it takes the analysis readings that are due,
// advances every rollout with the pure state machine, writes the status with compare-and-set before acting (so a new
// leader neither repeats nor skips a step), then makes the world match it: the serving pointer, then the rollout flags.
import { ROLLOUT_FLAG_SET, ROLLOUT_LEASE_KEY, ShadowSummary, shadowSummarySchema, subjects } from '@aviary/contracts';
import { FlagSetAdmin } from '@aviary/flags-engine';
import { decodeJson, gatherReplies, LeaderLease, NatsRpc } from '@aviary/messaging';
import { ModelRegistry, ServingPointers, versionStates } from '@aviary/model-registry';
import {
  advance,
  BuiltinMetricProvider,
  dueMeasurements,
  MeasurementInput,
  MetricProvider,
  MetricSnapshot,
  PrometheusMetricProvider,
  parseRolloutDocument,
  providerKey,
  ReplicaFacts,
  rolloutFlagDocument,
  RolloutSpec,
  RolloutStore,
  RolloutTraffic,
  ShadowMetricProvider,
  warmVersions,
  StoredRollout,
} from '@aviary/rollout';
import { createLogger } from '@aviary/telemetry';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ROLLOUT_CONTROLLER_CONFIG, RolloutControllerConfig } from './config';
import { RolloutNotifier } from './rollout-notifier';

/** Gateways answer within milliseconds; the wait bounds a slow one. */
const SERIES_WAIT_MS = 300;
/** The same for inference replicas' states, read before a blue/green switch. */
const REPLICA_WAIT_MS = 200;

@Injectable()
export class RolloutReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = createLogger('rollout-controller');
  private readonly prometheus = new PrometheusMetricProvider();
  private registry!: ModelRegistry;
  private store!: RolloutStore;
  private flags!: FlagSetAdmin;
  private pointers!: ServingPointers;
  private lease!: LeaderLease;
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;

  constructor(
    private readonly rpc: NatsRpc,
    private readonly notifier: RolloutNotifier,
    @Inject(ROLLOUT_CONTROLLER_CONFIG) private readonly config: RolloutControllerConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const nc = this.rpc.connection;
    const registry = (this.registry = await ModelRegistry.open(nc, (problem) => this.log.warn(problem)));
    [this.store, this.flags, this.pointers] = await Promise.all([
      RolloutStore.open(nc),
      FlagSetAdmin.open(nc, () => versionStates(registry), { writesRolloutSet: true }),
      ServingPointers.open(registry),
    ]);
    this.lease = new LeaderLease(this.store.kv, ROLLOUT_LEASE_KEY, {
      holder: `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`,
      leaseMs: this.config.AVIARY_ROLLOUT_LEASE_MS,
    });
    this.timer = setInterval(() => {
      this.ticking ??= this.tick().finally(() => (this.ticking = undefined));
    }, this.config.AVIARY_ROLLOUT_TICK_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
    await this.notifier
      .close(this.store, this.lease?.leading ?? false)
      .catch((e: Error) => this.log.warn(`storing the webhook cursors failed: ${e.message}`));
    await this.lease?.release().catch(() => undefined);
  }

  private async tick(): Promise<void> {
    try {
      const wasLeading = this.lease.leading;
      const leading = await this.lease.beat();
      if (leading !== wasLeading) this.log.info(`${leading ? 'leading' : 'following'} as ${this.lease.holder}`);
      if (!leading) return;
      if (!wasLeading) await this.notifier.leading(new Date(), this.store);
      const traffic = new Map<string, RolloutTraffic>();
      const providers = {
        builtin: new BuiltinMetricProvider(memoized((model) => this.series(model))),
        shadow: new ShadowMetricProvider(memoized((model) => this.shadowTallies(model))),
        prometheus: this.prometheus,
      };
      for (const stored of await this.store.list()) {
        const t = await this.reconcile(stored, providers).catch((e: Error) => {
          this.log.error(`rollout of ${stored.status.model}: ${e.message}`);
          return 'unknown' as const;
        });
        // A rollout that could not be advanced (it moved meanwhile): the traffic is written on the next tick.
        if (t === 'unknown') return;
        if (t) traffic.set(stored.status.model, t);
      }
      if (this.lease.leading) await this.writeTraffic(traffic);
      if (this.lease.leading)
        await this.notifier
          .flush(this.store)
          .catch((e: Error) => this.log.warn(`storing the webhook cursors failed: ${e.message}`));
    } catch (e) {
      this.log.error(`reconcile failed: ${(e as Error).message}`);
    }
  }

  /** Advances one rollout; answers the traffic its flag must give (null: none), or 'unknown' if it moved meanwhile. */
  private async reconcile(
    stored: StoredRollout,
    providers: Record<ReturnType<typeof providerKey>, MetricProvider>,
  ): Promise<RolloutTraffic | null | 'unknown'> {
    const spec = parseRolloutDocument(stored.document);
    const { model, stable, candidate } = stored.status;
    const now = new Date();
    const inputs: MeasurementInput[] = [];
    for (const due of dueMeasurements(spec, stored.status, now)) {
      const reading = await providers[providerKey(due.metric)].read({ model, stable, candidate }, due);
      inputs.push({ step: due.step, runStartedAt: due.runStartedAt, metric: due.metric.name, ...reading });
    }
    const { status, actions } = advance(spec, stored.status, inputs, new Date(), await this.replicaFacts(spec, stored));
    let revision = stored.revision;
    if (JSON.stringify(status) !== JSON.stringify(stored.status)) {
      if (!this.lease.leading) return 'unknown';
      const written = await this.store.write(stored.document, status, revision);
      if (written === undefined) return 'unknown';
      revision = written;
      await this.store.publish(status, actions.events);
    }
    await this.notifier.observe(spec, status, this.store);
    if (status.serving !== status.servingApplied) {
      await this.pointers.serve(model, status.serving, 'rollout-controller');
      this.log.info(`serving pointer of ${model} moved to version ${status.serving}`);
      if (
        (await this.store.write(stored.document, { ...status, servingApplied: status.serving }, revision)) === undefined
      )
        return 'unknown';
    }
    return actions.traffic;
  }

  /** A blue/green that has yet to switch needs to know the candidate is warm; nothing else reads the replicas. */
  private async replicaFacts(spec: RolloutSpec, { status }: StoredRollout): Promise<ReplicaFacts> {
    if (!spec.blueGreen || status.promotedAt !== undefined || status.phase !== 'Progressing') return {};
    const states = await versionStates(this.registry, REPLICA_WAIT_MS);
    return { warm: warmVersions(states.filter((v) => v.name === status.model)) };
  }

  private async writeTraffic(traffic: Map<string, RolloutTraffic>): Promise<void> {
    const document = rolloutFlagDocument(traffic);
    const current = await this.flags.get(ROLLOUT_FLAG_SET).catch((e: Error & { code?: string }) => {
      if (e.code === 'NOT_FOUND') return undefined;
      throw e;
    });
    if (current?.document === document) return;
    await this.flags.apply({ set: ROLLOUT_FLAG_SET, document });
    this.log.info(
      `rollout traffic: ${[...traffic].map(([m, t]) => `${m} ${t.canary} ${describeTraffic(t)}`).join(', ') || 'none'}`,
    );
  }

  private async shadowTallies(model: string): Promise<ShadowSummary[]> {
    const replies = await gatherReplies(this.rpc.connection, subjects.shadowMetrics(model), SERIES_WAIT_MS);
    return replies.map((body) => shadowSummarySchema.parse(decodeJson(body, 'shadow tallies')));
  }

  private async series(model: string): Promise<MetricSnapshot[][]> {
    const replies = await gatherReplies(this.rpc.connection, subjects.variantMetrics(model), SERIES_WAIT_MS);
    return replies.map((body) => (decodeJson(body, 'variant series') as { metrics: MetricSnapshot[] }).metrics);
  }
}

/** One gather per model per tick, however many metrics read it. */
function memoized<T>(read: (model: string) => Promise<T>): (model: string) => Promise<T> {
  const cache = new Map<string, Promise<T>>();
  return (model) => cache.get(model) ?? cache.set(model, read(model)).get(model)!;
}

const describeTraffic = (t: RolloutTraffic) =>
  [t.versionFlag === false ? undefined : `at ${t.weight}%`, t.shadow && `shadowing ${t.shadow.percent}%`]
    .filter(Boolean)
    .join(', ');
