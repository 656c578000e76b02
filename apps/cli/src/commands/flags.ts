// `aviary flags apply|get|diff|history|rollback|log|delete` (the flag-set admin in @aviary/flags-engine, the same the
// gateway's admin API runs) and `aviary flags evaluate FLAG [--context JSON]` (through the flags service).
import { FlagEvaluationRequest, FlagSetEvent, subjects } from '@aviary/contracts';
import {
  ApplyResult,
  FlagSetAdmin,
  FlagSetRejected,
  formatDiff,
  formatHistory,
  formatProblem,
} from '@aviary/flags-engine';
import { decodeJson, encodeJson, NatsRpc } from '@aviary/messaging';
import { ModelRegistry, versionStates } from '@aviary/model-registry';
import { readFile } from 'node:fs/promises';
import { NatsConnection } from 'nats';

/** The admin with the registry behind its model version flag check. */
export function openFlagSetAdmin(registry: ModelRegistry): Promise<FlagSetAdmin> {
  return FlagSetAdmin.open(registry.connection, () => versionStates(registry));
}

export async function applyFlagSet(
  admin: FlagSetAdmin,
  options: { file: string; set: string; lenient?: boolean },
): Promise<string> {
  const result = await admin.apply({
    set: options.set,
    document: await readFile(options.file, 'utf8'),
    lenient: options.lenient,
  });
  return describeWrite(result, options.lenient ? 'applied (lenient)' : 'applied');
}

export async function rollbackFlagSet(admin: FlagSetAdmin, options: { set: string; to: number }): Promise<string> {
  return describeWrite(await admin.rollback(options), `rolled back to the document of revision ${options.to}`);
}

export async function diffFlagSet(admin: FlagSetAdmin, options: { file: string; set: string }): Promise<string> {
  const { revision, diff } = await admin.diff(options.set, await readFile(options.file, 'utf8'));
  return [`flag set "${options.set}" at revision ${revision ?? 'none'} → ${options.file}:`, ...formatDiff(diff)].join(
    '\n',
  );
}

export async function flagSetHistory(admin: FlagSetAdmin, set: string): Promise<string> {
  const rows = await admin.history(set);
  return rows.length ? formatHistory(rows).join('\n') : `flag set "${set}" has no recorded changes`;
}

export async function flagSetLog(admin: FlagSetAdmin, options: { set?: string; json?: boolean }): Promise<string> {
  const events = await admin.log(options.set);
  return options.json ? JSON.stringify(events, null, 2) : events.map(describeEvent).join('\n');
}

/** Every problem of a rejected set, one per line: `flag-key  /json/path  message`. */
export function describeRejection(error: FlagSetRejected): string {
  return [`invalid flag set (${error.problems.length} problems):`, ...error.problems.map(formatProblem)].join('\n');
}

export async function evaluateFlag(nc: NatsConnection, request: FlagEvaluationRequest): Promise<unknown> {
  const reply = await new NatsRpc(nc).request(subjects.flagsEvaluate, encodeJson(request), { timeoutMs: 5000 });
  return decodeJson(reply, 'flag evaluation');
}

function describeWrite(result: ApplyResult, what: string): string {
  if (result.unchanged) return `flag set "${result.set}" unchanged at revision ${result.revision}`;
  const from = result.previousRevision === null ? '' : ` (was ${result.previousRevision})`;
  return [`flag set "${result.set}" ${what}: revision ${result.revision}${from}`, ...formatDiff(result.diff)].join(
    '\n',
  );
}

function describeEvent(e: FlagSetEvent): string {
  const head = `${e.time}  ${e.set}  revision ${e.revision}  ${e.kind}${e.lenient ? ' (lenient)' : ''}  actor ${e.actor ?? '-'}`;
  return [head, ...formatDiff(e.diff).map((line) => `    ${line}`)].join('\n');
}
