// A model's smoke records: `<dir>/<model>.jsonl`, one raw record a line, its expected class in "label" (optional).
import { parseJsonLines } from '@aviary/evaluation';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SmokeRecord } from './edge-versions';

export function smokeRecordsIn(dir: string | undefined): (model: string) => SmokeRecord[] {
  return (model) => {
    const file = dir === undefined ? undefined : join(dir, `${model}.jsonl`);
    if (file === undefined || !existsSync(file)) return [];
    return parseJsonLines(readFileSync(file, 'utf8'), file).map((line) => {
      const { label, ...record } = line as Record<string, unknown>;
      return { record, ...(typeof label === 'string' && { expected: label }) };
    });
  };
}
