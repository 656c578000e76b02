// The rollout admin the REST admin API runs, on the gateway's NATS connection, checking candidates against the
// model registry and the inference replicas; and the serving pointers it guards.
import { NatsRpc } from '@aviary/messaging';
import { ModelRegistry, ServingPointers } from '@aviary/model-registry';
import { registryLookup, RolloutAdmin, RolloutStore } from '@aviary/rollout';
import { createLogger } from '@aviary/telemetry';
import { FactoryProvider } from '@nestjs/common';

const ADMIN_REGISTRY = Symbol('admin model registry');

const registryProvider: FactoryProvider<ModelRegistry> = {
  provide: ADMIN_REGISTRY,
  inject: [NatsRpc],
  useFactory: (rpc: NatsRpc) => {
    const log = createLogger('gateway');
    return ModelRegistry.open(rpc.connection, (problem) => log.warn(problem));
  },
};

export const rolloutAdminProviders: FactoryProvider[] = [
  registryProvider,
  {
    provide: RolloutAdmin,
    inject: [NatsRpc, ADMIN_REGISTRY],
    useFactory: async (rpc: NatsRpc, registry: ModelRegistry) =>
      new RolloutAdmin(await RolloutStore.open(rpc.connection), registryLookup(registry)),
  },
  {
    provide: ServingPointers,
    inject: [ADMIN_REGISTRY],
    useFactory: (registry: ModelRegistry) => ServingPointers.open(registry),
  },
];
