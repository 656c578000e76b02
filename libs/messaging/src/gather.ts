// One request, every reply: for subjects each replica answers on its own (no queue group), e.g. replica status.
import { SpanStatusCode } from '@opentelemetry/api';
import { ErrorCode as NatsErrorCode, NatsConnection, NatsError, RequestStrategy } from 'nats';
import { startSendSpan } from './headers';
import { natsFailure } from './nats-failure';

/** The reply bodies that arrive within `waitMs`; none when nobody subscribes; a NATS failure as a typed error. */
export async function gatherReplies(
  connection: NatsConnection,
  subject: string,
  waitMs: number,
): Promise<Uint8Array[]> {
  const { span, headers } = startSendSpan(subject);
  const bodies: Uint8Array[] = [];
  try {
    const replies = await connection.requestMany(subject, new Uint8Array(0), {
      maxWait: waitMs,
      strategy: RequestStrategy.Timer,
      headers,
    });
    for await (const reply of replies) bodies.push(reply.data);
    return bodies;
  } catch (error) {
    if (error instanceof NatsError && error.code === NatsErrorCode.NoResponders) return bodies;
    const failure = natsFailure(error, `the request on ${subject}`) ?? error;
    span.setStatus({ code: SpanStatusCode.ERROR, message: (failure as Error).message });
    throw failure;
  } finally {
    span.end();
  }
}
