// The model versions an edge site serves, and how it moves between them. A version the site's serving pointer names
// is loaded and warmed beside the current one, smoke-checked, and only then takes the model's unversioned traffic;
// in its probation it is switched back by itself if it fails too often. Every decision is an EdgeSwitchEvent: in the
// log, at GET /v1/edge/status and reported to the hub. The rules themselves are @aviary/edge's (pure, unit-tested).
import { AviaryError, ModelManifest, rejectionReason, versionKey } from '@aviary/contracts';
import { knownVersion, servableVersion } from '@aviary/model-registry/core';
import { EdgeSwitchEvent, GateVerdict, Probation, ProbationPolicy, SmokeOutcome, smokeVerdict } from '@aviary/edge';
import { isClassPrediction, versionPipeline, VersionPipeline } from '@aviary/features';
import { ModelSession } from '@aviary/inference-engine';
import { Logger } from '@aviary/telemetry/core';
import { ModelSource } from './model-source';

export interface LoadedVersion {
  manifest: ModelManifest;
  session: ModelSession;
  pipeline: VersionPipeline;
}

/** A smoke record: the raw record, and the class it should be predicted as when it names one. */
export interface SmokeRecord {
  record: Record<string, unknown>;
  expected?: string;
}

interface Serving {
  current: LoadedVersion;
  /** The version before `current`, kept warm while `current` is in probation. */
  previous?: LoadedVersion;
  probation?: Probation;
}

export interface EdgeVersionsOptions {
  source: ModelSource;
  log: Logger;
  policy: ProbationPolicy;
  minAccuracy: number;
  smokeRecords(model: string): SmokeRecord[];
  /** Sends a switch event to the hub, when the agent has a link to one (the site's telemetry). */
  report?: (event: EdgeSwitchEvent) => void;
}

const MAX_EVENTS = 100;
/** A version's identity at the site: a version deleted and pushed again with other bytes is another candidate. */
const identity = (m: ModelManifest) => `${versionKey(m.name, m.version)}@${m.sha256}`;

export class EdgeVersions {
  private readonly loaded = new Map<string, Promise<LoadedVersion>>();
  private readonly serving = new Map<string, Serving>();
  /** Versions refused or rolled back, with why: not tried again until their bytes change. */
  private readonly refused = new Map<string, string>();
  private readonly updating = new Set<string>();
  private readonly events: EdgeSwitchEvent[] = [];
  /** Identities of the versions whose load has finished. */
  private readonly warm = new Set<string>();
  private reconcileAgain = false;
  private settled: Promise<void> = Promise.resolve();
  private started = false;

  constructor(private readonly options: EdgeVersionsOptions) {}

  /** Loads what the source says serves, and follows its changes. */
  async start(): Promise<void> {
    this.options.source.onChange(() => this.reconcile());
    this.reconcile();
    await this.settled;
    this.started = true;
  }

  /** The version that takes the model's unversioned traffic; UNAVAILABLE while none passed its gate. */
  current(model: string): Serving | undefined {
    return this.serving.get(model);
  }

  /** A version loaded and warm (explicit requests, flag-picked versions); loads it on first use. */
  version(manifest: ModelManifest): Promise<LoadedVersion> {
    const key = identity(manifest);
    let loading = this.loaded.get(key);
    if (!loading) {
      loading = loadVersion(manifest, this.options.source);
      this.loaded.set(key, loading);
      // A version that failed to load may be retried by the next request, not kept failing.
      loading.then(
        () => this.warm.add(key),
        () => this.loaded.delete(key),
      );
    }
    return loading;
  }

  /** Counts one request the current version answered; a failed probation switches back at once. */
  observe(model: string, version: string, failed: boolean): void {
    const serving = this.serving.get(model);
    if (!serving?.probation || serving.current.manifest.version !== version) return;
    const verdict = serving.probation.record(failed, Date.now());
    if (verdict.state === 'failed') this.rollBack(model, serving, verdict.reason);
    else if (verdict.state === 'passed') this.confirm(model, serving);
  }

  status() {
    const now = Date.now();
    const models = [...this.serving].map(([model, s]) => {
      const verdict = s.probation?.verdict(now);
      if (verdict?.state === 'passed') this.confirm(model, s);
      return {
        model,
        version: s.current.manifest.version,
        ...(s.probation && {
          probation: {
            previous: s.previous?.manifest.version,
            since: new Date(s.probation.startedAt).toISOString(),
            ...s.probation.counts,
          },
        }),
      };
    });
    return { models, refused: Object.fromEntries(this.refused), events: [...this.events] };
  }

  /** Ready once no model waits for its first version to load (one refused leaves that model UNAVAILABLE). */
  ready(): { ready: boolean; reason?: string } {
    if (!this.started) return { ready: false, reason: 'loading the serving versions' };
    const waiting = [...this.options.source.serving().keys()].filter(
      (model) => !this.serving.has(model) && this.updating.has(model),
    );
    return waiting.length ? { ready: false, reason: `loading ${waiting.join(', ')}` } : { ready: true };
  }

  async close(): Promise<void> {
    const versions = await Promise.allSettled(this.loaded.values());
    for (const v of versions) if (v.status === 'fulfilled') await v.value.session.release();
  }

  private reconcile(): void {
    const runs: Promise<void>[] = [];
    for (const [model, version] of this.options.source.serving()) {
      const manifest = this.options.source.manifest(model, version);
      // The pointer can arrive before the manifest it names; the manifest's arrival reconciles again.
      if (!manifest || rejectionReason(manifest)) continue;
      const current = this.serving.get(model)?.current.manifest;
      if ((current && identity(current) === identity(manifest)) || this.refused.has(identity(manifest))) continue;
      if (this.updating.has(model)) {
        this.reconcileAgain = true;
        continue;
      }
      runs.push(this.update(model, manifest));
    }
    this.settled = Promise.all(runs).then(() => undefined);
  }

  private async update(model: string, manifest: ModelManifest): Promise<void> {
    this.updating.add(model);
    const from = this.serving.get(model)?.current.manifest.version;
    try {
      let candidate: LoadedVersion;
      try {
        candidate = await this.version(manifest);
      } catch (e) {
        return this.refuse(manifest, from, `warm-up failed: ${(e as Error).message}`);
      }
      const verdict = await this.smokeCheck(candidate);
      if (!verdict.passed) {
        this.unload(candidate);
        return this.refuse(manifest, from, `smoke check failed: ${verdict.reason}`);
      }
      const before = this.serving.get(model);
      if (before?.previous) this.unload(before.previous);
      this.serving.set(model, {
        current: candidate,
        // The first version of a model has nothing to go back to, so no probation.
        ...(before && {
          previous: before.current,
          probation: new Probation(this.options.policy, Date.now()),
        }),
      });
      this.record({ kind: 'switched', model, version: manifest.version, from, reason: verdict.detail });
    } finally {
      this.updating.delete(model);
      if (this.reconcileAgain) {
        this.reconcileAgain = false;
        this.reconcile();
      }
    }
  }

  private async smokeCheck(candidate: LoadedVersion): Promise<GateVerdict> {
    const records = this.options.smokeRecords(candidate.manifest.name);
    const outcomes: SmokeOutcome[] = [];
    for (const { record, expected } of records) {
      try {
        const [prediction] = await predictRecords(candidate, [record]);
        outcomes.push({ label: isClassPrediction(prediction) ? prediction.label : undefined, expected });
      } catch (e) {
        outcomes.push({ error: (e as Error).message });
      }
    }
    return records.length
      ? smokeVerdict(outcomes, this.options.minAccuracy)
      : { passed: true, detail: 'warm-up passed; no smoke records for this model' };
  }

  private rollBack(model: string, serving: Serving, reason: string): void {
    const { current, previous } = serving;
    if (!previous) return;
    this.serving.set(model, { current: previous });
    this.refused.set(identity(current.manifest), reason);
    this.record({
      kind: 'rolled-back',
      model,
      version: previous.manifest.version,
      from: current.manifest.version,
      reason,
    });
    this.unload(current);
  }

  private confirm(model: string, serving: Serving): void {
    if (!serving.probation) return;
    const { requests, errors } = serving.probation.counts;
    if (serving.previous) this.unload(serving.previous);
    this.serving.set(model, { current: serving.current });
    this.record({
      kind: 'confirmed',
      model,
      version: serving.current.manifest.version,
      reason: `probation passed: ${errors} of ${requests} requests failed`,
    });
  }

  private refuse(manifest: ModelManifest, from: string | undefined, reason: string): void {
    this.refused.set(identity(manifest), reason);
    this.record({ kind: 'refused', model: manifest.name, version: manifest.version, from, reason });
  }

  private record(event: Omit<EdgeSwitchEvent, 'at'>): void {
    const full: EdgeSwitchEvent = { ...event, at: new Date().toISOString() };
    this.events.push(full);
    if (this.events.length > MAX_EVENTS) this.events.shift();
    this.options.log[event.kind === 'switched' || event.kind === 'confirmed' ? 'info' : 'warn'](
      { ...full },
      `model version ${event.kind}`,
    );
    this.options.report?.(full);
  }

  private unload(version: LoadedVersion): void {
    const key = identity(version.manifest);
    this.loaded.delete(key);
    this.warm.delete(key);
    // In-flight runs hold their own reference; ORT releases the session once it is idle.
    setTimeout(() => void version.session.release().catch(() => undefined), 1000).unref();
  }
}

async function loadVersion(manifest: ModelManifest, source: ModelSource): Promise<LoadedVersion> {
  const session = await ModelSession.load(await source.onnx(manifest), { intraOpThreads: 1 });
  try {
    await session.warmUp();
    return {
      manifest,
      session,
      pipeline: versionPipeline({ inputs: session.inputs, featureSpec: manifest.featureSpec }),
    };
  } catch (e) {
    await session.release();
    throw e;
  }
}

/**
 * Raw records → predictions through the version's pipeline and session. Records that passed the version's own feature
 * spec and still fail in the model are the version's fault (a server error, which probation counts).
 */
export async function predictRecords(
  version: LoadedVersion,
  records: readonly unknown[],
  runs?: Parameters<VersionPipeline['toTensors']>[1],
) {
  const inputs = version.pipeline.toTensors(records, runs);
  const { name, version: v } = version.manifest;
  const outputs = await version.session.run(inputs).catch((e: unknown) => {
    if (e instanceof AviaryError && e.code === 'INVALID_ARGUMENT')
      throw new AviaryError(`${name} version ${v} failed on valid records: ${e.message}`, 'INTERNAL');
    throw e;
  });
  return version.pipeline.toPredictions(outputs);
}

/** The manifest of an explicit version, with the gateway's errors. */
export function explicitVersion(source: ModelSource, model: string, version: string): ModelManifest {
  const versions = () => source.versionsOf(model).map((m) => m.version);
  return servableVersion(knownVersion(source.manifest(model, version), { model, version, versions }));
}
