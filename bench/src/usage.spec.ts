import { existsSync } from 'node:fs';
import { parseVmRssKiB, processRssKiB } from './usage';

describe('parseVmRssKiB', () => {
  it('reads the resident set from a /proc/<pid>/status text', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1203456 kB\nVmRSS:\t   84212 kB\nRssAnon:\t   50000 kB\n';
    expect(parseVmRssKiB(status)).toBe(84212);
  });

  it('is undefined for a kernel thread, which has no VmRSS line', () => {
    expect(parseVmRssKiB('Name:\tkworker/0:1\nState:\tI (idle)\n')).toBeUndefined();
  });
});

describe('processRssKiB', () => {
  const linux = existsSync('/proc/self/status') ? it : it.skip;

  linux('matches what Node reports for this process, within the memory the call itself may add', () => {
    const fromProc = processRssKiB(process.pid)!;
    const fromNode = process.memoryUsage.rss() / 1024;
    expect(Math.abs(fromProc - fromNode)).toBeLessThan(fromNode * 0.1);
  });

  it('is undefined for a process that does not exist', () => {
    expect(processRssKiB(2 ** 22 + 1)).toBeUndefined();
  });
});
