// The options of a closed-loop bench (--rounds, --duration in seconds, --concurrency), read and checked once.
import { parseArgs } from 'node:util';

export interface LoadOptions {
  rounds: number;
  durationMs: number;
  concurrency: number;
}

export function readLoadOptions(): LoadOptions {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '32' },
    },
  });
  const rounds = Number(values.rounds);
  const durationMs = Number(values.duration) * 1000;
  const concurrency = Number(values.concurrency);
  if (![rounds, concurrency].every((n) => Number.isInteger(n) && n > 0) || !(durationMs > 0))
    throw new Error('--rounds and --concurrency must be positive integers, --duration a positive number of seconds');
  return { rounds, durationMs, concurrency };
}
