// The gateway's live copy of the flag sets, so OFREP (and later flag-routed predicts) evaluate in-process.
import { FlagSetStore } from '@aviary/flags-engine';
import { NatsRpc } from '@aviary/messaging';
import { createLogger } from '@aviary/telemetry';
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

@Injectable()
export class GatewayFlagSets extends FlagSetStore implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(private readonly rpc: NatsRpc) {
    super(createLogger('gateway'));
  }

  onApplicationBootstrap(): Promise<void> {
    return this.follow(this.rpc.connection);
  }

  onApplicationShutdown(): void {
    this.stop();
  }
}
