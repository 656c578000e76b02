// Nest wiring for NATS: one connection per process, shared by every provider, drained on shutdown.
import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { connectNats } from './connection';
import { EMPTY_BODY, NatsRpc } from './rpc';
import { subjects } from '@aviary/contracts';

export interface MessagingOptions {
  url: string;
  /** The service name: also its queue group for the ping subject other services probe. */
  service: string;
  /** Connection name shown by the NATS server (defaults to the service name). */
  connectionName?: string;
}

@Injectable()
class NatsLifecycle implements OnApplicationShutdown {
  constructor(@Inject(NatsRpc) private readonly rpc: NatsRpc) {}

  async onApplicationShutdown(): Promise<void> {
    await this.rpc.drain();
  }
}

@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingOptions): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        {
          provide: NatsRpc,
          useFactory: async () => {
            const rpc = new NatsRpc(await connectNats(options.url, options.connectionName ?? options.service));
            await rpc.serve(subjects.ping(options.service), options.service, async () => EMPTY_BODY);
            return rpc;
          },
        },
        NatsLifecycle,
      ],
      exports: [NatsRpc],
    };
  }
}
