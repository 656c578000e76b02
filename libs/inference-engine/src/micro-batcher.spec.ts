import { AviaryError } from '@aviary/contracts';
import { MicroBatcher } from './micro-batcher';

describe('MicroBatcher', () => {
  it('runs the items submitted in one event-loop turn as one batch, answering each its own output', async () => {
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number, number>(async (items) => {
      batches.push(items);
      return items.map((i) => i * 10);
    }, { maxWeight: 100 });
    const answers = await Promise.all([1, 2, 3].map((i) => batcher.submit(i)));
    expect(answers).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('runs a lone item without waiting for company', async () => {
    const batcher = new MicroBatcher<number, number>(async (items) => items, { maxWeight: 100 });
    expect(await batcher.submit(7)).toBe(7);
  });

  it('closes a batch early once it reaches the maximum weight', async () => {
    const batches: string[][] = [];
    const batcher = new MicroBatcher<string, string>(async (items) => {
      batches.push(items);
      return items;
    }, { maxWeight: 4, weigh: (item) => (item as string).length });
    await Promise.all(['ab', 'cd', 'e', 'f'].map((s) => batcher.submit(s)));
    expect(batches).toEqual([['ab', 'cd'], ['e', 'f']]);
  });

  it('reruns a rejected batch item by item so one invalid item fails alone', async () => {
    const batcher = new MicroBatcher<number, number>(async (items) => {
      if (items.includes(13)) throw new AviaryError('13 is unlucky (row 0)', 'INVALID_ARGUMENT');
      return items;
    }, { maxWeight: 100 });
    const results = await Promise.allSettled([1, 13, 2].map((i) => batcher.submit(i)));
    expect(results).toEqual([
      { status: 'fulfilled', value: 1 },
      { status: 'rejected', reason: expect.objectContaining({ code: 'INVALID_ARGUMENT', message: '13 is unlucky (row 0)' }) },
      { status: 'fulfilled', value: 2 },
    ]);
  });

  it('fails every item of a batch with the error when the failure is not about the input', async () => {
    let calls = 0;
    const batcher = new MicroBatcher<number, number>(async () => {
      calls++;
      throw new AviaryError('no replica serves it', 'UNAVAILABLE');
    }, { maxWeight: 100 });
    const results = await Promise.allSettled([1, 2].map((i) => batcher.submit(i)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
  });
});
