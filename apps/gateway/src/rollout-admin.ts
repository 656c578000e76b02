// The rollout admin the REST admin API runs, on the gateway's NATS connection, checking candidates against the
// model registry and the inference replicas.
import { NatsRpc } from '@aviary/messaging';
import { ModelRegistry } from '@aviary/model-registry';
import { registryLookup, RolloutAdmin, RolloutStore } from '@aviary/rollout';
import { createLogger } from '@aviary/telemetry';
import { FactoryProvider } from '@nestjs/common';

export const rolloutAdminProvider: FactoryProvider<RolloutAdmin> = {
  provide: RolloutAdmin,
  inject: [NatsRpc],
  useFactory: async (rpc: NatsRpc) => {
    const log = createLogger('gateway');
    const registry = await ModelRegistry.open(rpc.connection, (problem) => log.warn(problem));
    return new RolloutAdmin(await RolloutStore.open(rpc.connection), registryLookup(registry));
  },
};
