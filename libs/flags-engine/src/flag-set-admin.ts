// Administration of flag sets, the one use-case module behind `aviary flags ...` and the gateway's admin API: apply
// (validated whole, written with compare-and-set), read any revision, diff, history, rollback, delete and the event
// log. Every accepted change is an event on AVIARY_EVENTS, published after its KV write with msgID
// `flags.<set>.<revision>`, so a retried publish is dropped.
import {
  AviaryError,
  buckets,
  eventSubjects,
  FlagChange,
  FlagSetEvent,
  flagSetEventSchema,
  flagSetNameSchema,
  notFound,
  parseOrThrow,
  ROLLOUT_FLAG_SET,
} from '@aviary/contracts';
import { EventLog, openKv } from '@aviary/messaging';
import { KV, KvEntry, NatsConnection } from 'nats';
import { FlagSetRejected } from './flag-set';
import { diffFlagSets } from './flag-set-diff';
import { eventOf, flagSetHistory, FlagSetRevision } from './flag-set-history';
import { findFlagSetProblems } from './flag-set-validation';
import { ModelVersionLookup, modelFlagProblems, versionFlagModel } from './model-flag-check';

export interface FlagSetAdminParts {
  kv: KV;
  events: EventLog;
  /** The registry's versions, asked only when a set holds a model version flag. */
  modelVersions?: ModelVersionLookup;
  now?: () => Date;
  /** Only the rollout controller writes ROLLOUT_FLAG_SET; every other admin refuses to. */
  writesRolloutSet?: boolean;
}

export interface StoredDocument {
  set: string;
  revision: number;
  document: string;
}

export interface ApplyRequest {
  set: string;
  document: string;
  lenient?: boolean;
  /** Refuse the write unless the set is still at this revision (0: the set must not exist). */
  expectedRevision?: number;
}

export interface ApplyResult {
  set: string;
  /** The set's revision after the call (the current one when nothing changed). */
  revision: number;
  previousRevision: number | null;
  diff: FlagChange[];
  /** The document equals the current one byte for byte: nothing was written, no event published. */
  unchanged: boolean;
}

const fromUtf8 = new TextDecoder();

export class FlagSetAdmin {
  constructor(private readonly parts: FlagSetAdminParts) {}

  static async open(
    connection: NatsConnection,
    modelVersions?: ModelVersionLookup,
    options: Pick<FlagSetAdminParts, 'writesRolloutSet'> = {},
  ): Promise<FlagSetAdmin> {
    const [kv, events] = await Promise.all([openKv(connection.jetstream(), buckets.flags), EventLog.open(connection)]);
    return new FlagSetAdmin({ kv, events, modelVersions, ...options });
  }

  /** Every set that exists, with its current revision. */
  async list(): Promise<{ set: string; revision: number }[]> {
    const names: string[] = [];
    for await (const key of await this.parts.kv.keys()) names.push(key);
    const entries = await Promise.all(names.sort().map((name) => this.current(name)));
    return entries.flatMap((e) => (e ? [{ set: e.key, revision: e.revision }] : []));
  }

  /** The current document, or the one `revision` wrote (from the event log; the bucket keeps only a few). */
  async get(set: string, revision?: number): Promise<StoredDocument> {
    checkName(set);
    if (revision === undefined) {
      const entry = await this.current(set);
      if (!entry) throw notFound(`flag set "${set}" does not exist`);
      return { set, revision: entry.revision, document: fromUtf8.decode(entry.value) };
    }
    const event = eventOf(await this.events(set), revision);
    if (event && event.kind !== 'flags.deleted') return { set, revision, document: event.document };
    const entry = await this.parts.kv.get(set, { revision }).catch(() => null);
    if (entry?.operation === 'PUT' && entry.key === set)
      return { set, revision, document: fromUtf8.decode(entry.value) };
    throw notFound(`flag set "${set}" has no revision ${revision}`);
  }

  /** What applying `document` would change; the document must at least be a flagd document. */
  async diff(set: string, document: string): Promise<{ revision: number | null; diff: FlagChange[] }> {
    checkName(set);
    const shape = findFlagSetProblems(document, { lenient: true }).filter((p) => !p.flag);
    if (shape.length) throw new FlagSetRejected(shape);
    const entry = await this.current(set);
    return {
      revision: entry?.revision ?? null,
      diff: diffFlagSets(entry && fromUtf8.decode(entry.value), document),
    };
  }

  async apply(request: ApplyRequest): Promise<ApplyResult> {
    return this.write(request, 'flags.applied');
  }

  /** Re-applies the document `to` wrote as a new revision, validated again with the leniency it was applied with. */
  async rollback({ set, to, expectedRevision }: { set: string; to: number; expectedRevision?: number }) {
    const event = eventOf(await this.events(set), to);
    const { document } = await this.get(set, to);
    return this.write({ set, document, lenient: event?.lenient ?? false, expectedRevision }, 'flags.rolledBack', to);
  }

  /** Deletes a set (the services drop it); its history stays in the log. */
  async remove(set: string): Promise<{ set: string; revision: number }> {
    checkName(set);
    this.checkWritable(set);
    const entry = await this.current(set);
    if (!entry) throw notFound(`flag set "${set}" does not exist`);
    await this.parts.kv.delete(set, { previousSeq: entry.revision }).catch(conflictOr(set, entry.revision));
    const marker = await this.parts.kv.get(set);
    const revision = marker?.revision ?? entry.revision + 1;
    await this.publish({
      kind: 'flags.deleted',
      set,
      revision,
      previousRevision: entry.revision,
      diff: diffFlagSets(fromUtf8.decode(entry.value), undefined),
      document: '',
      lenient: false,
    });
    return { set, revision };
  }

  async history(set: string): Promise<FlagSetRevision[]> {
    return flagSetHistory(await this.events(set));
  }

  /** The events of one set, or of every set, oldest first. */
  async log(set?: string): Promise<FlagSetEvent[]> {
    if (set !== undefined) return this.events(set);
    const logged = await this.parts.events.read(eventSubjects.allFlags);
    return logged.map((e) => parseOrThrow(flagSetEventSchema, e.body, `flag event ${e.seq}`));
  }

  private async write(request: ApplyRequest, kind: FlagSetEvent['kind'], rolledBackTo?: number): Promise<ApplyResult> {
    const { set, document, lenient = false, expectedRevision } = request;
    checkName(set);
    this.checkWritable(set);
    const problems = findFlagSetProblems(document, { lenient });
    // Model flags are checked whenever the document itself reads, so their problems are listed with the rest.
    if (!problems.some((p) => p.flag === undefined)) problems.push(...(await this.modelProblems(document)));
    if (problems.length) throw new FlagSetRejected(problems);

    const entry = await this.current(set);
    const previousRevision = entry?.revision ?? null;
    if (expectedRevision !== undefined && expectedRevision !== (previousRevision ?? 0))
      throw conflict(set, expectedRevision, previousRevision);
    const before = entry && fromUtf8.decode(entry.value);
    const diff = diffFlagSets(before, document);
    if (before === document && previousRevision !== null)
      return { set, revision: previousRevision, previousRevision, diff, unchanged: true };

    const written = previousRevision
      ? this.parts.kv.update(set, document, previousRevision)
      : this.createAfterAnyDelete(set, document);
    const revision = await written.catch(conflictOr(set, previousRevision));
    await this.publish({ kind, set, revision, previousRevision, diff, document, lenient, rolledBackTo });
    return { set, revision, previousRevision, diff, unchanged: false };
  }

  private checkWritable(set: string): void {
    if (set === ROLLOUT_FLAG_SET && !this.parts.writesRolloutSet)
      throw new AviaryError(
        `flag set "${ROLLOUT_FLAG_SET}" is written by the rollout controller alone (the traffic of active rollouts); ` +
          `put your own model flags in another set (AVIARY_MODEL_FLAG_SET, whose version flags win over a rollout's) ` +
          `or use aviary rollout commands`,
        'FAILED_PRECONDITION',
      );
  }

  /** `kv.create` refuses a key whose last entry is a delete marker unless it is the marker it expects. */
  private async createAfterAnyDelete(set: string, document: string): Promise<number> {
    const last = await this.parts.kv.get(set);
    return last ? this.parts.kv.update(set, document, last.revision) : this.parts.kv.create(set, document);
  }

  private async modelProblems(document: string) {
    const flags = (JSON.parse(document) as { flags: Record<string, unknown> }).flags;
    if (!Object.keys(flags).some((key) => versionFlagModel(key))) return [];
    if (!this.parts.modelVersions)
      throw new AviaryError('model version flags need the model registry to check against', 'INTERNAL');
    return modelFlagProblems(flags, await this.parts.modelVersions());
  }

  private async publish(event: Omit<FlagSetEvent, 'time' | 'flags' | 'actor'>): Promise<void> {
    const full: FlagSetEvent = {
      time: (this.parts.now?.() ?? new Date()).toISOString(),
      ...event,
      flags: event.diff.map((c) => c.flag),
      actor: null,
    };
    if (full.rolledBackTo === undefined) delete full.rolledBackTo;
    await this.parts.events.publish(eventSubjects.flags(event.set), full, `flags.${event.set}.${event.revision}`);
  }

  private async events(set: string): Promise<FlagSetEvent[]> {
    checkName(set);
    const logged = await this.parts.events.read(eventSubjects.flags(set));
    return logged.map((e) => parseOrThrow(flagSetEventSchema, e.body, `flag event ${e.seq}`));
  }

  /** The set's live entry; a deleted or purged set has none. */
  private async current(set: string): Promise<KvEntry | undefined> {
    const entry = await this.parts.kv.get(set);
    return entry?.operation === 'PUT' ? entry : undefined;
  }
}

function checkName(set: string): void {
  parseOrThrow(flagSetNameSchema, set, 'flag set name');
}

/** `actual` undefined: JetStream refused the write because the set moved on after it was read at `expected`. */
function conflict(set: string, expected: number | null, actual?: number | null): AviaryError {
  const where =
    actual === undefined
      ? `changed after revision ${expected ?? 'none'} was read`
      : `is at revision ${actual ?? 'none'}, not ${expected || 'none'}`;
  return new AviaryError(`flag set "${set}" ${where}; read it again and re-apply`, 'FAILED_PRECONDITION');
}

/** JetStream's compare-and-set refusal becomes a conflict; anything else passes through. */
function conflictOr(set: string, expected: number | null) {
  return (e: Error): never => {
    if (/wrong last sequence/i.test(e.message)) throw conflict(set, expected);
    throw e;
  };
}
