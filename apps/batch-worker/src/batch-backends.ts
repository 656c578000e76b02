// The batch job store and the model registry, opened once on the worker's NATS connection and shared by the work
// queue and the schedule ticker.
import { BatchStore } from '@aviary/batch';
import { NatsRpc } from '@aviary/messaging';
import { ModelRegistry } from '@aviary/model-registry';
import { createLogger } from '@aviary/telemetry';
import { FactoryProvider } from '@nestjs/common';

export class BatchBackends {
  constructor(
    readonly store: BatchStore,
    readonly registry: ModelRegistry,
  ) {}
}

export const batchBackendsProvider: FactoryProvider<BatchBackends> = {
  provide: BatchBackends,
  inject: [NatsRpc],
  useFactory: async (rpc: NatsRpc) => {
    const log = createLogger('batch-worker');
    const [store, registry] = await Promise.all([
      BatchStore.open(rpc.connection),
      ModelRegistry.open(rpc.connection, (problem) => log.warn(problem)),
    ]);
    return new BatchBackends(store, registry);
  },
};
