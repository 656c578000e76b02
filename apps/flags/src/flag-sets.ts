// Flag sets live in the aviary_flags KV bucket (key = set name, value = flagd JSON). Each change is parsed
// whole; an invalid one is logged and ignored, so the last good set keeps answering.
import { buckets, flagEvaluationRequestSchema, parseOrThrow, queueGroups, subjects, notFound } from '@aviary/contracts';
import { FlagSet } from '@aviary/flags-engine';
import { decodeJson, encodeJson, followBucket, NatsRpc, openKv } from '@aviary/messaging';
import { createLogger } from '@aviary/telemetry';
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Subscription } from 'nats';

const log = createLogger('flags');
const fromUtf8 = new TextDecoder();

@Injectable()
export class FlagSets implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly sets = new Map<string, FlagSet>();
  private stopWatch?: () => void;
  private subscription?: Subscription;

  constructor(private readonly rpc: NatsRpc) {}

  async onApplicationBootstrap(): Promise<void> {
    const kv = await openKv(this.rpc.connection.jetstream(), buckets.flags);
    const watch = await followBucket(
      kv,
      this.rpc.connection,
      (entry) => {
        if (entry.operation !== 'PUT') {
          this.sets.delete(entry.key);
          return;
        }
        try {
          this.sets.set(entry.key, FlagSet.parse(fromUtf8.decode(entry.value)));
          log.info({ flagSet: entry.key, revision: entry.revision }, 'flag set loaded');
        } catch (e) {
          log.error(
            { flagSet: entry.key, revision: entry.revision, reason: (e as Error).message },
            'flag set rejected; the last good one keeps serving',
          );
        }
      },
      (e) => log.error({ reason: e.message }, 'flag set watch ended'),
    );
    this.stopWatch = () => watch.stop();
    this.subscription = await this.rpc.serve(subjects.flagsEvaluate, queueGroups.flags, async (request) => {
      const query = parseOrThrow(
        flagEvaluationRequestSchema,
        decodeJson(request.data, 'flag evaluation request'),
        'flag evaluation request',
      );
      const set = this.sets.get(query.flagSet);
      if (!set) throw notFound(`flag set "${query.flagSet}" does not exist`);
      return encodeJson(set.evaluate(query.flag, query.context as never, query.type));
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopWatch?.();
    if (this.subscription) await this.rpc.unserve(this.subscription);
  }
}
