// Rollouts in KV aviary_rollouts (key = model: the applied document and its status), written with compare-and-set,
// and their history on AVIARY_EVENTS. RolloutAdmin is the one use-case module behind `aviary rollout ...` and the
// gateway's admin API; the controller reads and advances the same entries.
import {
  AviaryError,
  buckets,
  eventSubjects,
  notFound,
  parseOrThrow,
  ROLLOUT_WEBHOOKS_KEY,
  RolloutEvent,
  rolloutEventSchema,
} from '@aviary/contracts';
import { decodeJson, encodeJson, EventLog, openKv } from '@aviary/messaging';
import { ModelRegistry, ServingPointers, versionStates } from '@aviary/model-registry';
import { KV, NatsConnection } from 'nats';
import {
  candidateProblems,
  CandidateFacts,
  parseRolloutDocument,
  parseRolloutText,
  RolloutDocument,
  RolloutRejected,
  RolloutSpec,
} from './rollout-document';
import { applyCommand, HistoryEntry, isActive, RolloutCommand, RolloutStatus, startRollout } from './rollout-machine';
import { WebhookCursorDoc, WebhookCursors, webhookCursorsSchema } from './webhook-cursors';

export interface StoredRollout {
  document: RolloutDocument;
  status: RolloutStatus;
  /** The KV revision, for compare-and-set. */
  revision: number;
}

export class RolloutStore {
  constructor(
    readonly kv: KV,
    private readonly events: EventLog,
  ) {}

  static async open(connection: NatsConnection): Promise<RolloutStore> {
    const [kv, events] = await Promise.all([
      openKv(connection.jetstream(), buckets.rollouts),
      EventLog.open(connection),
    ]);
    return new RolloutStore(kv, events);
  }

  async get(model: string): Promise<StoredRollout | undefined> {
    const entry = await this.kv.get(model);
    if (!entry || entry.operation !== 'PUT') return undefined;
    const { document, status } = decodeJson(entry.value, `rollout ${model}`) as Omit<StoredRollout, 'revision'>;
    return { document, status, revision: entry.revision };
  }

  async list(): Promise<StoredRollout[]> {
    const keys: string[] = [];
    // Model names start with a letter or digit: `_` keys are the controllers' own (lease, webhook cursors).
    for await (const key of await this.kv.keys()) if (!key.startsWith('_')) keys.push(key);
    const rollouts = await Promise.all(keys.sort().map((key) => this.get(key)));
    return rollouts.filter((r): r is StoredRollout => r !== undefined);
  }

  /** The leader's webhook cursors (an unreadable document counts as none: webhooks then start from now). */
  async webhookCursors(): Promise<WebhookCursors> {
    const entry = await this.kv.get(ROLLOUT_WEBHOOKS_KEY);
    if (!entry || entry.operation !== 'PUT') return new WebhookCursors();
    const parsed = webhookCursorsSchema.safeParse(decodeJson(entry.value, 'webhook cursors'));
    return new WebhookCursors(parsed.success ? parsed.data : {});
  }

  /** Only the leader writes them, so a plain put. */
  async writeWebhookCursors(doc: WebhookCursorDoc): Promise<void> {
    await this.kv.put(ROLLOUT_WEBHOOKS_KEY, encodeJson(doc));
  }

  /** Writes the status if the entry is still at `revision` (0: must not exist); false when someone else moved it. */
  async write(document: RolloutDocument, status: RolloutStatus, revision: number): Promise<number | undefined> {
    const value = encodeJson({ document, status });
    try {
      return revision
        ? await this.kv.update(status.model, value, revision)
        : await this.createAfterAnyDelete(status.model, value);
    } catch (e) {
      if (/wrong last sequence|key exists/i.test((e as Error).message)) return undefined;
      throw e;
    }
  }

  /** Publishes history entries as events; the msgID (model + seq) makes a repeated publish a no-op. */
  async publish(status: RolloutStatus, entries: readonly HistoryEntry[]): Promise<void> {
    for (const entry of entries) {
      const event: RolloutEvent = {
        time: entry.at,
        kind: `rollout.${entry.kind}`,
        model: status.model,
        stable: status.stable,
        candidate: status.candidate,
        seq: entry.seq,
        phase: entry.phase,
        step: entry.step,
        message: entry.message,
      };
      await this.events.publish(eventSubjects.rollouts(status.model), event, `rollouts.${status.model}.${entry.seq}`);
    }
  }

  async history(model: string): Promise<RolloutEvent[]> {
    const logged = await this.events.read(eventSubjects.rollouts(model));
    return logged.map((e) => parseOrThrow(rolloutEventSchema, e.body, `rollout event ${e.seq}`));
  }

  private async createAfterAnyDelete(key: string, value: Uint8Array): Promise<number> {
    const last = await this.kv.get(key);
    return last ? this.kv.update(key, value, last.revision) : this.kv.create(key, value);
  }
}

/** What apply checks against: the model's versions and its serving version right now. */
export type CandidateLookup = (model: string) => Promise<CandidateFacts | undefined>;

/** The lookup against the model registry, the inference replicas' states and the serving pointers. */
export function registryLookup(registry: ModelRegistry): CandidateLookup {
  return async (model) => {
    const versions = (await versionStates(registry)).filter((v) => v.name === model);
    if (!versions.length) return undefined;
    const pointer = await (await ServingPointers.open(registry)).get(model);
    return { versions, servingVersion: pointer?.version };
  };
}

/** The versions ready (or serving) on some inference replica. */
export function warmVersions(versions: CandidateFacts['versions']): Set<string> {
  return new Set(versions.filter((v) => v.state === 'ready' || v.state === 'serving').map((v) => v.version));
}

/** CAS attempts before a command gives up (the controller writes each second; two in a row is already rare). */
const ATTEMPTS = 5;

export class RolloutAdmin {
  constructor(
    private readonly store: RolloutStore,
    private readonly lookup: CandidateLookup,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Validates a document whole (its shape and the registry's facts, every problem listed) and stores it. A new
   * candidate, or a rollout that had ended, starts from the first step; the same candidate mid-rollout keeps its
   * progress under the new document.
   */
  async apply(source: string | unknown): Promise<StoredRollout> {
    let spec: RolloutSpec | undefined;
    const problems = [];
    try {
      spec = parseRolloutDocument(source);
    } catch (e) {
      if (!(e instanceof RolloutRejected)) throw e;
      problems.push(...e.problems);
    }
    const partial = spec ?? modelAndCandidate(source);
    const facts = partial && (await this.lookup(partial.model));
    if (partial) problems.push(...candidateProblems(partial, facts));
    const stable = facts?.servingVersion;
    if (problems.length || !spec || stable === undefined) throw new RolloutRejected(problems);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const current = await this.store.get(spec.model);
      const keep = current && isActive(current.status) && current.status.candidate === spec.candidate;
      const status = keep
        ? { ...current.status, step: Math.min(current.status.step, spec.steps.length) }
        : startRollout(spec, stable, this.now(), current?.status);
      const revision = await this.store.write(spec.document, status, current?.revision ?? 0);
      if (revision === undefined) continue;
      await this.store.publish(
        status,
        status.history.filter((e) => e.seq > (current?.status.seq ?? 0)),
      );
      return { document: spec.document, status, revision };
    }
    throw conflict(spec.model);
  }

  async get(model: string): Promise<StoredRollout> {
    const stored = await this.store.get(model);
    if (!stored) throw notFound(`no rollout of model "${model}"`);
    return stored;
  }

  list(): Promise<StoredRollout[]> {
    return this.store.list();
  }

  async command(model: string, command: RolloutCommand): Promise<StoredRollout> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const current = await this.get(model);
      const spec = parseRolloutDocument(current.document);
      // Blue/green moves all traffic at once: only to a warm version (promote, undo).
      const facts = spec.blueGreen ? await this.lookup(model) : undefined;
      const { status, actions } = applyCommand(
        spec,
        current.status,
        command,
        this.now(),
        facts ? { warm: warmVersions(facts.versions) } : {},
      );
      const revision = await this.store.write(current.document, status, current.revision);
      if (revision === undefined) continue;
      await this.store.publish(status, actions.events);
      return { document: current.document, status, revision };
    }
    throw conflict(model);
  }

  history(model: string): Promise<RolloutEvent[]> {
    return this.store.history(model);
  }

  /** Why the model's serving pointer may not be moved by hand right now, if it may not. */
  async servingLock(model: string): Promise<string | undefined> {
    const stored = await this.store.get(model);
    if (!stored || !isActive(stored.status)) return undefined;
    const { candidate, stable, phase, step } = stored.status;
    return `a rollout of ${model} version ${candidate} over ${stable} is ${phase} at step ${step}; finish it (aviary rollout promote --full) or abort it first`;
  }
}

/** The model and candidate of a document too broken to parse whole, so the registry checks are listed with the rest. */
function modelAndCandidate(source: unknown): { model: string; candidate: string } | undefined {
  let value = source;
  if (typeof source === 'string')
    try {
      value = parseRolloutText(source);
    } catch {
      return undefined;
    }
  const { model, candidate } = (value ?? {}) as { model?: unknown; candidate?: unknown };
  return typeof model === 'string' && typeof candidate === 'string' ? { model, candidate } : undefined;
}

function conflict(model: string): AviaryError {
  return new AviaryError(`the rollout of ${model} kept changing while it was written; try again`, 'UNAVAILABLE');
}
