import { preciseClock } from './precise-clock';

describe('preciseClock', () => {
  it('never wakes before the deadline, to a fraction of a millisecond', async () => {
    const clock = preciseClock();
    try {
      const woke: number[] = [];
      const start = clock.now();
      await Promise.all([2.5, 0.3, 1.2].map((ms) => clock.sleep(ms).then(() => woke.push(clock.now() - start) && ms)));
      expect(woke).toHaveLength(3);
      const sorted = [...woke].sort((a, b) => a - b);
      expect(sorted[0]).toBeGreaterThanOrEqual(0.3);
      expect(sorted[1]).toBeGreaterThanOrEqual(1.2);
      expect(sorted[2]).toBeGreaterThanOrEqual(2.5);
    } finally {
      await clock.close();
    }
  });

  it('keeps the process alive while a sleep is pending, and only then', async () => {
    const ports = () => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;
    const before = ports();
    const clock = preciseClock();
    try {
      expect(ports()).toBe(before);
      const sleeping = clock.sleep(20);
      expect(ports()).toBe(before + 1);
      await sleeping;
      expect(ports()).toBe(before);
    } finally {
      await clock.close();
    }
  });
});
