// Peak resident memory of a process (VmHWM from /proc, Linux only): what a batch worker needed at its worst.
import { readFileSync } from 'node:fs';

export function peakRssKiB(pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
