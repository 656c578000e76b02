import { startNatsServer } from '@aviary/testing';
import { connectNats } from './connection';
import { isMissingMessage } from './nats-failure';

describe('isMissingMessage against a real nats-server', () => {
  it("tells a deleted message from the stream's other errors", async () => {
    const nats = await startNatsServer({});
    const nc = await connectNats(nats.url, 'nats-failure-spec');
    try {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: 'S', subjects: ['s.>'] });
      await nc.jetstream().publish('s.a', new Uint8Array([1]));
      await nc.jetstream().publish('s.a', new Uint8Array([2]));
      await jsm.streams.deleteMessage('S', 1);
      const failureOf = (promise: Promise<unknown>) =>
        promise.then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isMissingMessage(await failureOf(jsm.streams.getMessage('S', { seq: 1 })))).toBe(true);
      expect(isMissingMessage(await failureOf(jsm.streams.getMessage('NO_SUCH_STREAM', { seq: 1 })))).toBe(false);
      expect(isMissingMessage(new Error('no message found'))).toBe(false);
    } finally {
      await nc.close();
      await nats.stop();
    }
  });
});
