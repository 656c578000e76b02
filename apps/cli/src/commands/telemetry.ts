// `aviary telemetry sites|tail`: the leaf sites' telemetry as the hub's AVIARY_TELEMETRY stream holds it (sourced
// from each site's AVIARY_SITE_TELEMETRY, deploy/nats/edge-mirrors.js).
import { decodePredictionLog, streams, subjects } from '@aviary/contracts';
import { isMissingMessage } from '@aviary/messaging';
import { NatsConnection, StoredMsg } from 'nats';
import { formatColumns } from './table';

export const TELEMETRY_KINDS = ['predictions', 'metrics', 'events'] as const;
export type TelemetryKindName = (typeof TELEMETRY_KINDS)[number];

export interface SiteRow {
  site: string;
  messages: number;
  byKind: Record<TelemetryKindName, number>;
  /** When the newest of the site's messages was stored at the site. */
  lastSeen: string;
}

/** Site and kind of a telemetry subject (aviary.v1.telemetry.<site>.<kind>). */
function partsOf(subject: string): { site: string; kind: string } {
  const tokens = subject.split('.');
  return { site: tokens[3], kind: tokens[4] };
}

const filterOf = (site?: string, kind?: string) => subjects.telemetry(site ?? '*', (kind ?? '*') as TelemetryKindName);

/** Messages per subject the hub holds under `filter`. */
async function subjectCounts(nc: NatsConnection, filter: string): Promise<Record<string, number>> {
  const jsm = await nc.jetstreamManager();
  const info = await jsm.streams.info(streams.telemetry, { subjects_filter: filter });
  return info.state.subjects ?? {};
}

export async function telemetrySites(nc: NatsConnection): Promise<SiteRow[]> {
  const jsm = await nc.jetstreamManager();
  const rows = new Map<string, SiteRow>();
  for (const [subject, count] of Object.entries(await subjectCounts(nc, filterOf()))) {
    const { site, kind } = partsOf(subject);
    let row = rows.get(site);
    if (!row)
      rows.set(site, (row = { site, messages: 0, byKind: { predictions: 0, metrics: 0, events: 0 }, lastSeen: '' }));
    row.messages += count;
    if (kind in row.byKind) row.byKind[kind as TelemetryKindName] += count;
    const last = await jsm.streams.getMessage(streams.telemetry, { last_by_subj: subject });
    const time = last.time.toISOString();
    if (time > row.lastSeen) row.lastSeen = time;
  }
  return [...rows.values()].sort((a, b) => a.site.localeCompare(b.site));
}

export function formatSites(rows: readonly SiteRow[]): string {
  if (rows.length === 0) return 'no site telemetry on this server';
  return formatColumns(
    ['SITE', 'MESSAGES', 'PREDICTIONS', 'METRICS', 'EVENTS', 'LAST SEEN'],
    rows.map((r) => [
      r.site,
      String(r.messages),
      String(r.byKind.predictions),
      String(r.byKind.metrics),
      String(r.byKind.events),
      r.lastSeen,
    ]),
  );
}

export interface TailOptions {
  site?: string;
  kind?: TelemetryKindName;
  /** Records to show: a prediction-log message holds many. */
  count: number;
}

/**
 * The newest `count` records matching, oldest first, one JSON object a line with its site and kind. Walks the stream
 * back from its end, so it reads only as far as it needs.
 */
export async function telemetryTail(nc: NatsConnection, options: TailOptions): Promise<string[]> {
  const filter = filterOf(options.site, options.kind);
  if (Object.keys(await subjectCounts(nc, filter)).length === 0) return [];
  const jsm = await nc.jetstreamManager();
  const { state } = await jsm.streams.info(streams.telemetry);
  const pattern = new RegExp(`^${filter.replace(/\./g, '\\.').replace(/\*/g, '[^.]+')}$`);
  const lines: string[] = [];
  for (let seq = state.last_seq; seq >= state.first_seq && lines.length < options.count; seq--) {
    let message: StoredMsg;
    try {
      message = await jsm.streams.getMessage(streams.telemetry, { seq });
    } catch (error) {
      if (isMissingMessage(error)) continue; // deleted or aged out
      throw error;
    }
    if (!pattern.test(message.subject)) continue;
    const newestFirst = recordsOf(message).reverse();
    lines.push(...newestFirst.slice(0, options.count - lines.length));
  }
  return lines.reverse();
}

function recordsOf(message: StoredMsg): string[] {
  const { site, kind } = partsOf(message.subject);
  const text = new TextDecoder().decode(message.data);
  const records = kind === 'predictions' ? decodePredictionLog(text) : [JSON.parse(text) as unknown];
  return records.map((record) => JSON.stringify({ site, kind, ...(record as object) }));
}
