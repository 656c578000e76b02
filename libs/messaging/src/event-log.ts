// The AVIARY_EVENTS stream as a log: publish an event once (JetStream drops a repeated msgID), read a subject's
// events in order. Flag sets write to it today; rollouts, models and batch jobs publish to the same stream.
import { eventSubjects, streams } from '@aviary/contracts';
import { JetStreamClient, JetStreamManager, NatsConnection, RetentionPolicy, StorageType } from 'nats';
import { decodeJson, encodeJson } from './json';

export interface LoggedEvent {
  /** The stream sequence: the event's place in the whole log. */
  seq: number;
  subject: string;
  body: unknown;
}

/** How long JetStream remembers a msgID to drop a repeat (its default, stated so a reader knows the window). */
const DUPLICATE_WINDOW_NS = 2 * 60 * 1_000_000_000;

export class EventLog {
  private constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly stream: string,
  ) {}

  /** Opens the events stream, creating it (file storage, kept forever) when it does not exist yet. */
  static async open(connection: NatsConnection, stream: string = streams.events): Promise<EventLog> {
    const jsm = await connection.jetstreamManager();
    try {
      await jsm.streams.info(stream);
    } catch (e) {
      if (!/stream not found/i.test((e as Error).message)) throw e;
      await jsm.streams
        .add({
          name: stream,
          subjects: [eventSubjects.all],
          retention: RetentionPolicy.Limits,
          storage: StorageType.File,
          duplicate_window: DUPLICATE_WINDOW_NS,
        })
        // Another process created it between our look and our add: the same stream.
        .catch(async (error: Error) => {
          if (!/already in use|exists/i.test(error.message)) throw error;
        });
    }
    return new EventLog(connection.jetstream(), jsm, stream);
  }

  /** Publishes one event; a second publish with the same `id` (a retry) is dropped by the stream. */
  async publish(subject: string, event: unknown, id: string): Promise<number> {
    const ack = await this.js.publish(subject, encodeJson(event), { msgID: id });
    return ack.seq;
  }

  /** Every event on `subject` (wildcards allowed), oldest first. */
  async read(subject: string): Promise<LoggedEvent[]> {
    const info = await this.jsm.streams.info(this.stream, { subjects_filter: subject });
    const count = Object.values(info.state.subjects ?? {}).reduce((sum, n) => sum + n, 0);
    if (count === 0) return [];
    // One filter as a string: nats-server 2.9 (still supported) knows no filter lists.
    const consumer = await this.js.consumers.get(this.stream, { filterSubjects: subject });
    const events: LoggedEvent[] = [];
    const messages = await consumer.consume();
    for await (const m of messages) {
      events.push({ seq: m.seq, subject: m.subject, body: decodeJson(m.data, `event ${m.seq} on ${m.subject}`) });
      if (events.length >= count || m.info.pending === 0) break;
    }
    await messages.close();
    return events;
  }
}
