// Answers subjects.rolloutStatus with the models and the version each serves.
import { queueGroups, subjects } from '@aviary/contracts';
import { encodeJson, NatsRpc } from '@aviary/messaging';
import { ModelRegistry, versionStates } from '@aviary/model-registry';
import { servingReport } from '@aviary/rollout';
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Subscription } from 'nats';

@Injectable()
export class ServingStatus implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription?: Subscription;

  constructor(private readonly rpc: NatsRpc) {}

  async onApplicationBootstrap(): Promise<void> {
    const registry = await ModelRegistry.open(this.rpc.connection);
    this.subscription = await this.rpc.serve(subjects.rolloutStatus, queueGroups.rolloutController, async () => {
      return encodeJson({ models: servingReport(await versionStates(registry, 300)) });
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.subscription) await this.rpc.unserve(this.subscription);
  }
}
