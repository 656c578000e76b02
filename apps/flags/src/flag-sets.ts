// The flag sets of KV aviary_flags (a live FlagSetStore), evaluated over NATS for the flags service's callers: one
// flag, or every flag of a set for a context.
import { flagEvaluationRequestSchema, parseOrThrow, queueGroups, subjects, notFound } from '@aviary/contracts';
import { evaluateOfrepFlags, FlagSetStore } from '@aviary/flags-engine';
import { decodeJson, encodeJson, NatsRpc } from '@aviary/messaging';
import { createLogger } from '@aviary/telemetry';
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Subscription } from 'nats';

@Injectable()
export class FlagSets implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly store = new FlagSetStore(createLogger('flags'));
  private subscription?: Subscription;

  constructor(private readonly rpc: NatsRpc) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.store.follow(this.rpc.connection);
    this.subscription = await this.rpc.serve(subjects.flagsEvaluate, queueGroups.flags, async (request) => {
      const query = parseOrThrow(
        flagEvaluationRequestSchema,
        decodeJson(request.data, 'flag evaluation request'),
        'flag evaluation request',
      );
      const stored = this.store.get(query.flagSet);
      if (!stored) throw notFound(`flag set "${query.flagSet}" does not exist`);
      const context = query.context as never;
      if (query.flag === undefined) return encodeJson({ flags: evaluateOfrepFlags(stored.set, context) });
      return encodeJson(stored.set.evaluate(query.flag, context, query.type));
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.store.stop();
    if (this.subscription) await this.rpc.unserve(this.subscription);
  }
}
