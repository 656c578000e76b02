import { decodePredictionLog, PredictionLogRecord } from '@aviary/contracts';
import { TelemetryOutbox } from './outbox';

const record = (n: number): PredictionLogRecord => ({
  time: '2026-01-01T00:00:00.000Z',
  model: 'm',
  version: '1',
  status: 'ok',
  latencyMs: n,
  traceId: `t${n}`,
});
const outbox = (capacity = 100) => new TelemetryOutbox({ idPrefix: 'site.p', batchRecords: 3, capacity });
const latencies = (box: TelemetryOutbox) => {
  const seen: number[] = [];
  for (let m = box.head(); m; m = box.head()) {
    if (m.kind === 'predictions') seen.push(...decodePredictionLog(m.data).map((r) => r.latencyMs));
    box.shift();
  }
  return seen;
};

describe('TelemetryOutbox', () => {
  it('batches records into JSON Lines messages of at most batchRecords, with sequential ids', () => {
    const box = outbox();
    const filled = [1, 2, 3, 4].map((n) => box.add(record(n)));
    expect(filled).toEqual([false, false, true, false]);
    box.seal();
    const first = box.head();
    expect(first).toMatchObject({ kind: 'predictions', id: 'site.p.1', records: 3 });
    expect(decodePredictionLog(first?.data ?? '')).toEqual([record(1), record(2), record(3)]);
    box.shift();
    expect(box.head()).toMatchObject({ id: 'site.p.2', records: 1 });
    expect(box.size).toBe(1);
  });

  it('keeps the same message (and id) at the head until it is shifted, so a retry dedupes', () => {
    const box = outbox();
    [1, 2, 3].forEach((n) => box.add(record(n)));
    expect(box.head()?.id).toBe(box.head()?.id);
    box.enqueue('metrics', '{}');
    expect(box.head()?.id).toBe('site.p.1');
  });

  it('drops the oldest records past capacity, never the message in flight, and counts them', () => {
    const box = outbox(7);
    [1, 2, 3].forEach((n) => box.add(record(n)));
    box.inFlight = true;
    for (let n = 4; n <= 12; n++) box.add(record(n));
    // 1-3 in flight stay; whole queued messages go first (4-6, then 7-9), so 10-12 fit.
    expect({ size: box.size, dropped: box.dropped }).toEqual({ size: 6, dropped: 6 });
    expect(latencies(box)).toEqual([1, 2, 3, 10, 11, 12]);
  });

  it('drops open records once no queued message is left to drop', () => {
    const box = new TelemetryOutbox({ idPrefix: 'p', batchRecords: 10, capacity: 2 });
    [1, 2, 3, 4].forEach((n) => box.add(record(n)));
    box.seal();
    expect(box.dropped).toBe(2);
    expect(latencies(box)).toEqual([3, 4]);
  });
});
