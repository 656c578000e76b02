// A flag set's history, folded from its events on AVIARY_EVENTS (the KV bucket keeps only its last few revisions).
import { FlagSetEvent } from '@aviary/contracts';

export interface FlagSetRevision {
  time: string;
  revision: number;
  kind: FlagSetEvent['kind'];
  flags: string[];
  rolledBackTo?: number;
}

/** One row per revision, oldest first; a repeated event (a retried publish) counts once. */
export function flagSetHistory(events: readonly FlagSetEvent[]): FlagSetRevision[] {
  const byRevision = new Map(events.map((e) => [e.revision, e]));
  return [...byRevision.values()]
    .sort((a, b) => a.revision - b.revision)
    .map((e) => ({
      time: e.time,
      revision: e.revision,
      kind: e.kind,
      flags: e.flags,
      ...(e.rolledBackTo !== undefined && { rolledBackTo: e.rolledBackTo }),
    }));
}

/** The event that wrote `revision`, if the log has it. */
export function eventOf(events: readonly FlagSetEvent[], revision: number): FlagSetEvent | undefined {
  return events.find((e) => e.revision === revision);
}

/** `time  revision  kind  flags`, the lines `aviary flags history` prints. */
export function formatHistory(rows: readonly FlagSetRevision[]): string[] {
  return rows.map(
    (r) =>
      `${r.time}  ${String(r.revision).padStart(4)}  ${r.kind.padEnd(16)}  ${r.flags.join(', ') || '-'}${
        r.rolledBackTo ? `  (document of revision ${r.rolledBackTo})` : ''
      }`,
  );
}
