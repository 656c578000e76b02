// When a schedule runs: the first cron slot after its last run, if that slot has passed. However many slots were
// missed while no scheduler ran, that is one run, and the next is the first slot after now.
import { Cron } from 'croner';
import { invalid } from '@aviary/contracts';

/** Throws INVALID_ARGUMENT naming the pattern when croner cannot read it. */
export function parseCron(pattern: string): Cron {
  try {
    return new Cron(pattern, { paused: true, timezone: 'UTC' });
  } catch (e) {
    throw invalid(`--cron "${pattern}" is not a cron pattern: ${(e as Error).message}`);
  }
}

/** The slot to run now, or undefined when the next slot after `lastRunAt` is still ahead. */
export function dueSlot(pattern: string, lastRunAt: Date, now: Date): Date | undefined {
  const next = parseCron(pattern).nextRun(lastRunAt);
  return next && next.getTime() <= now.getTime() ? next : undefined;
}
