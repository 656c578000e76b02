import { parseRolloutDocument } from './rollout-document';
import { advance, startRollout } from './rollout-machine';
import { handEvents, webhookEvents, WebhookEvent, WebhookPost, WebhookQueue, webhookWants } from './webhooks';

const event = (seq: number, extra: Partial<WebhookEvent> = {}): WebhookEvent => ({
  model: 'flight-delay',
  candidate: '2',
  seq,
  kind: 'step',
  message: `step ${seq}`,
  phase: 'Progressing',
  step: 0,
  at: '2026-01-01T00:00:00.000Z',
  ...extra,
});

/** A fake endpoint answering each POST with the next of `answers` (then 200), recording what it got. */
function endpoint(answers: (number | Error)[] = []) {
  const received: { url: string; headers: Record<string, string>; body: WebhookEvent }[] = [];
  const post: WebhookPost = async ({ url, headers, body }) => {
    received.push({ url, headers, body: JSON.parse(body) });
    const answer = answers.shift() ?? 200;
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { post, received };
}

const noWait = async () => undefined;

describe('webhooks on rollout events', () => {
  it('want every event without a filter; else listed kinds, and phase changes to listed phases', () => {
    expect(webhookWants({}, event(1))).toBe(true);
    expect(webhookWants({ events: ['Degraded'] }, event(1, { kind: 'phase', phase: 'Degraded' }))).toBe(true);
    expect(webhookWants({ events: ['Degraded'] }, event(1, { kind: 'measurement', phase: 'Degraded' }))).toBe(false);
    expect(webhookWants({ events: ['measurement'] }, event(1, { kind: 'measurement' }))).toBe(true);
  });

  it('POST each event as JSON in order, with its seq as the idempotency key and the webhook’s headers', async () => {
    const { post, received } = endpoint();
    const queue = new WebhookQueue({ post, capacity: 10, timeoutMs: 100, retries: 0, backoffMs: 1 });
    const hook = { url: 'http://127.0.0.1:1/hook', headers: { authorization: 'Bearer t' } };
    for (const seq of [1, 2, 3]) queue.enqueue(hook, event(seq));
    await queue.close();
    expect(received.map((r) => r.body.seq)).toEqual([1, 2, 3]);
    expect(received[0].headers).toEqual({
      authorization: 'Bearer t',
      'content-type': 'application/json',
      'idempotency-key': 'flight-delay-1',
    });
    expect(received[0].body).toEqual(event(1));
    expect(queue.counts).toEqual({ delivered: 3, refused: 0, failed: 0 });
  });

  it('retry a failed POST with doubling backoff, then give it up and say why', async () => {
    const { post, received } = endpoint([new Error('timeout'), 503, 503, 503]);
    const waits: number[] = [];
    const losses: string[] = [];
    const queue = new WebhookQueue({
      post,
      capacity: 10,
      timeoutMs: 100,
      retries: 2,
      backoffMs: 100,
      sleep: async (ms) => void waits.push(ms),
      onLoss: ({ reason }) => void losses.push(reason),
    });
    queue.enqueue({ url: 'http://a' }, event(1));
    queue.enqueue({ url: 'http://a' }, event(2));
    await queue.close();
    // Event 1: timeout, 503, 503 → given up; event 2: 503, then delivered.
    expect(received.map((r) => r.body.seq)).toEqual([1, 1, 1, 2, 2]);
    expect(waits).toEqual([100, 200, 100]);
    expect(losses).toEqual(['HTTP 503']);
    expect(queue.counts).toEqual({ delivered: 1, refused: 0, failed: 1 });
  });

  it('do not retry an event the endpoint refused with a 4xx', async () => {
    const { post, received } = endpoint([400]);
    const queue = new WebhookQueue({ post, capacity: 10, timeoutMs: 100, retries: 3, backoffMs: 1, sleep: noWait });
    queue.enqueue({ url: 'http://a' }, event(1));
    await queue.close();
    expect(received).toHaveLength(1);
    expect(queue.counts.failed).toBe(1);
  });

  it('never wait: past the bound an event is refused and counted, and a slow endpoint delays only its own lane', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const fast: number[] = [];
    const post: WebhookPost = async ({ url, body }) => {
      if (url === 'http://slow') await held;
      else fast.push((JSON.parse(body) as WebhookEvent).seq);
      return 204;
    };
    const queue = new WebhookQueue({ post, capacity: 3, timeoutMs: 100, retries: 0, backoffMs: 1 });
    const accepted = [
      queue.enqueue({ url: 'http://slow' }, event(1)),
      queue.enqueue({ url: 'http://slow' }, event(2)),
      queue.enqueue({ url: 'http://fast' }, event(3)),
      queue.enqueue({ url: 'http://slow' }, event(4)),
    ];
    expect(accepted).toEqual([true, true, true, false]);
    expect(queue.pending).toBe(3);
    await new Promise((resolve) => setImmediate(resolve));
    expect(fast).toEqual([3]);
    release();
    await queue.close();
    expect(queue.counts).toEqual({ delivered: 3, refused: 1, failed: 0 });
  });

  it('hand a URL its events until the queue refuses one, then again from that one: none lost, none reordered', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const received: number[] = [];
    const post: WebhookPost = async ({ body }) => {
      await held;
      received.push((JSON.parse(body) as WebhookEvent).seq);
      return 204;
    };
    const queue = new WebhookQueue({ post, capacity: 2, timeoutMs: 100, retries: 0, backoffMs: 1 });
    const hook = { url: 'http://a' };
    const events = [1, 2, 3, 4, 5].map((seq) => event(seq));
    let handed = handEvents(queue, hook, events, 0);
    expect(handed).toBe(2);
    // Still full: nothing more is handed, the URL stays at 2.
    expect(handEvents(queue, hook, events.slice(handed), handed)).toBe(2);
    release();
    while (handed < 5) {
      await new Promise((resolve) => setImmediate(resolve));
      handed = handEvents(queue, hook, events.slice(handed), handed);
    }
    await queue.close();
    expect(received).toEqual([1, 2, 3, 4, 5]);
  });

  it('turn a status’s new history entries into events', () => {
    const spec = parseRolloutDocument({
      model: 'flight-delay',
      candidate: '2',
      strategy: { canary: { steps: [{ setWeight: 10 }, { pause: {} }] } },
    });
    const now = new Date('2026-01-01T00:00:00Z');
    const status = advance(spec, startRollout(spec, '1', now), [], now).status;
    expect(webhookEvents(status, 1)).toEqual([
      expect.objectContaining({ seq: 2, kind: 'step', message: 'step 0: canary weight 10%', candidate: '2' }),
      expect.objectContaining({ seq: 3, kind: 'phase', phase: 'Paused' }),
    ]);
  });
});
