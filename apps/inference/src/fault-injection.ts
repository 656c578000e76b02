// Fault injection, off by default: AVIARY_FAULT_INJECTION makes chosen model versions fail a share of their inference
// calls and/or answer late, so a rollout's analysis and rollback can be tried against an honestly bad candidate.
//
// Format: entries separated by ";" (or ","), each `MODEL:VERSION:OPTION=VALUE[,OPTION=VALUE...]`, options:
//   errors=F     share of calls that fail, 0 to 1
//   code=C       the error they fail with: UNAVAILABLE (default) or INTERNAL
//   latencyMs=N  added to every call of the version, in ms (0 to 60000)
// e.g. `flight-delay:2:errors=0.3,latencyMs=50;penguin-species:1:errors=1,code=INTERNAL`.
import { AviaryError, modelNameSchema, modelVersionSchema, versionKey } from '@aviary/contracts';

export interface Fault {
  errors: number;
  code: 'UNAVAILABLE' | 'INTERNAL';
  latencyMs: number;
}

/** Faults by versionKey(model, version). */
export type FaultPlan = ReadonlyMap<string, Fault>;

const MAX_LATENCY_MS = 60_000;

/** Parses AVIARY_FAULT_INJECTION; throws one Error listing every problem. Empty: no faults. */
export function parseFaultInjection(value: string): FaultPlan {
  const plan = new Map<string, Fault>();
  const problems: string[] = [];
  let current: { key: string; fault: Fault; seen: Set<string> } | undefined;
  for (const raw of value.split(/[;,]/)) {
    const token = raw.trim();
    if (token === '') continue;
    if (token.includes(':')) {
      current = startEntry(token, plan, problems);
      continue;
    }
    if (!current) {
      problems.push(`"${token}" comes before any MODEL:VERSION:`);
      continue;
    }
    setOption(current, token, problems);
  }
  for (const [key, fault] of plan)
    if (fault.errors === 0 && fault.latencyMs === 0) problems.push(`${key} names no fault (errors or latencyMs)`);
  if (problems.length) throw new Error(`${problems.join('; ')} (expected MODEL:VERSION:errors=0.3,latencyMs=50[;...])`);
  return plan;
}

function startEntry(
  token: string,
  plan: Map<string, Fault>,
  problems: string[],
): { key: string; fault: Fault; seen: Set<string> } | undefined {
  const [model, version, option, ...rest] = token.split(':');
  if (rest.length > 0 || option === undefined) {
    problems.push(`"${token}" is not MODEL:VERSION:OPTION=VALUE`);
    return undefined;
  }
  const bad = [modelNameSchema.safeParse(model), modelVersionSchema.safeParse(version)].find((r) => !r.success);
  if (bad) {
    problems.push(`"${model}:${version}": ${bad.error?.issues[0].message}`);
    return undefined;
  }
  const key = versionKey(model, version);
  if (plan.has(key)) problems.push(`${key} is named twice`);
  const entry = { key, fault: { errors: 0, code: 'UNAVAILABLE' as const, latencyMs: 0 }, seen: new Set<string>() };
  plan.set(key, entry.fault);
  setOption(entry, option, problems);
  return entry;
}

function setOption(entry: { key: string; fault: Fault; seen: Set<string> }, token: string, problems: string[]): void {
  const [name, value, ...rest] = token.split('=');
  const where = `${entry.key} ${token}`;
  if (value === undefined || rest.length > 0) return void problems.push(`${where}: expected OPTION=VALUE`);
  if (entry.seen.has(name)) return void problems.push(`${where}: ${name} is given twice`);
  entry.seen.add(name);
  const number = value.trim() === '' ? NaN : Number(value);
  switch (name) {
    case 'errors':
      if (!(number >= 0 && number <= 1)) return void problems.push(`${where}: errors must be 0 to 1`);
      entry.fault.errors = number;
      return;
    case 'latencyMs':
      if (!(Number.isInteger(number) && number >= 0 && number <= MAX_LATENCY_MS))
        return void problems.push(`${where}: latencyMs must be a whole number of ms, 0 to ${MAX_LATENCY_MS}`);
      entry.fault.latencyMs = number;
      return;
    case 'code':
      if (value !== 'UNAVAILABLE' && value !== 'INTERNAL')
        return void problems.push(`${where}: code must be UNAVAILABLE or INTERNAL`);
      entry.fault.code = value;
      return;
    default:
      problems.push(`${where}: unknown option "${name}" (errors, code, latencyMs)`);
  }
}

/** Waits out a fault's latency, then fails the call when its draw falls in the error share. */
export async function applyFault(fault: Fault, random: () => number = Math.random): Promise<void> {
  if (fault.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
  if (random() < fault.errors)
    throw new AviaryError(`injected fault (AVIARY_FAULT_INJECTION): errors=${fault.errors}`, fault.code);
}
