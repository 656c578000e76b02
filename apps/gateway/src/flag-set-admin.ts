// The flag-set admin the REST admin API runs, on the gateway's NATS connection, with the model registry behind its
// model version flag check.
import { FlagSetAdmin } from '@aviary/flags-engine';
import { NatsRpc } from '@aviary/messaging';
import { ModelRegistry, versionStates } from '@aviary/model-registry';
import { createLogger } from '@aviary/telemetry';
import { FactoryProvider } from '@nestjs/common';

export const flagSetAdminProvider: FactoryProvider<FlagSetAdmin> = {
  provide: FlagSetAdmin,
  inject: [NatsRpc],
  useFactory: async (rpc: NatsRpc) => {
    const log = createLogger('gateway');
    const registry = await ModelRegistry.open(rpc.connection, (problem) => log.warn(problem));
    return FlagSetAdmin.open(rpc.connection, () => versionStates(registry));
  },
};
