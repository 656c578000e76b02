import { AviaryError } from '@aviary/contracts';
import { IncompatibleBatchError, MicroBatcher, MicroBatcherOptions } from './micro-batcher';

const count = { max: 100, weigh: () => 1 };

/** A batcher whose run answers each item itself and records the batches it was given. */
function echoing<T>(options: MicroBatcherOptions<T>) {
  const batches: T[][] = [];
  const batcher = new MicroBatcher<T, T>(async (items) => {
    batches.push(items);
    return items;
  }, options);
  return { batcher, batches };
}

describe('MicroBatcher', () => {
  it('runs the items submitted in one event-loop turn as one batch, answering each its own output', async () => {
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number, number>(
      async (items) => {
        batches.push(items);
        return items.map((i) => i * 10);
      },
      { limits: [count] },
    );
    const answers = await Promise.all([1, 2, 3].map((i) => batcher.submit(i)));
    expect(answers).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('keeps a batch open for the whole event-loop turn', async () => {
    const { batcher, batches } = echoing<number>({ limits: [count] });
    const first = batcher.submit(1);
    await Promise.resolve();
    expect(await Promise.all([first, batcher.submit(2)])).toEqual([1, 2]);
    expect(batches).toEqual([[1, 2]]);
  });

  it('runs a lone item without waiting for company', async () => {
    const { batcher } = echoing<number>({ limits: [count] });
    expect(await batcher.submit(7)).toBe(7);
  });

  it('closes a batch early once it reaches the maximum weight', async () => {
    const { batcher, batches } = echoing<string>({ limits: [{ max: 4, weigh: (item) => item.length }] });
    await Promise.all(['ab', 'cd', 'e', 'f'].map((s) => batcher.submit(s)));
    expect(batches).toEqual([
      ['ab', 'cd'],
      ['e', 'f'],
    ]);
  });

  it('never lets a batch weigh more than a limit: an item that would go past it starts the next batch', async () => {
    const { batcher, batches } = echoing<string>({ limits: [count, { max: 4, weigh: (item) => item.length }] });
    await Promise.all(['abc', 'de', 'f', 'ghijkl', 'm'].map((s) => batcher.submit(s)));
    // 'ghijkl' weighs more than the limit on its own: it runs alone rather than not at all.
    expect(batches).toEqual([['abc'], ['de', 'f'], ['ghijkl'], ['m']]);
  });

  it('keeps items with different keys in different batches', async () => {
    const { batcher, batches } = echoing<string>({ limits: [count], keyOf: (item) => item[0] });
    await Promise.all(['a1', 'b1', 'a2', 'b2', 'a3'].map((s) => batcher.submit(s)));
    expect(batches).toEqual([
      ['a1', 'a2', 'a3'],
      ['b1', 'b2'],
    ]);
  });

  it('reruns a rejected batch item by item so one invalid item fails alone', async () => {
    const batcher = new MicroBatcher<number, number>(
      async (items) => {
        if (items.includes(13)) throw new AviaryError('13 is unlucky (row 0)', 'INVALID_ARGUMENT');
        return items;
      },
      { limits: [count] },
    );
    const results = await Promise.allSettled([1, 13, 2].map((i) => batcher.submit(i)));
    expect(results).toEqual([
      { status: 'fulfilled', value: 1 },
      {
        status: 'rejected',
        reason: expect.objectContaining({ code: 'INVALID_ARGUMENT', message: '13 is unlucky (row 0)' }),
      },
      { status: 'fulfilled', value: 2 },
    ]);
  });

  it.each([
    ['too large for one message', new AviaryError('larger than max_payload', 'PAYLOAD_TOO_LARGE')],
    ['incompatible after all', new IncompatibleBatchError('output "sum" has 1 row for 3 input rows')],
  ])('runs each item alone when the batch is %s', async (_case, error) => {
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number, number>(
      async (items) => {
        batches.push(items);
        if (items.length > 1) throw error;
        return items;
      },
      { limits: [count] },
    );
    expect(await Promise.all([1, 2, 3].map((i) => batcher.submit(i)))).toEqual([1, 2, 3]);
    expect(batches).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  it('fails every item of a batch with the error when the failure is not about the input', async () => {
    let calls = 0;
    const batcher = new MicroBatcher<number, number>(
      async () => {
        calls++;
        throw new AviaryError('no replica serves it', 'UNAVAILABLE');
      },
      { limits: [count] },
    );
    const results = await Promise.allSettled([1, 2].map((i) => batcher.submit(i)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
  });
});
