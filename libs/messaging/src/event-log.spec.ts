import { eventSubjects } from '@aviary/contracts';
import { startNatsServer } from '@aviary/testing';
import { connectNats } from './connection';
import { EventLog } from './event-log';

describe('EventLog against a real nats-server', () => {
  it('creates the stream, drops a repeated id and reads one subject in order', async () => {
    const nats = await startNatsServer({});
    const nc = await connectNats(nats.url, 'event-log-spec');
    try {
      const log = await EventLog.open(nc);
      expect(await log.read(eventSubjects.flags('a'))).toEqual([]);
      await log.publish(eventSubjects.flags('a'), { n: 1 }, 'flags.a.1');
      await log.publish(eventSubjects.flags('b'), { n: 1 }, 'flags.b.1');
      await log.publish(eventSubjects.flags('a'), { n: 2 }, 'flags.a.2');
      await log.publish(eventSubjects.flags('a'), { n: 2 }, 'flags.a.2');

      const again = await EventLog.open(nc);
      expect((await again.read(eventSubjects.flags('a'))).map((e) => e.body)).toEqual([{ n: 1 }, { n: 2 }]);
      expect(await again.read(eventSubjects.allFlags)).toHaveLength(3);
    } finally {
      await nc.close();
      await nats.stop();
    }
  });
});
