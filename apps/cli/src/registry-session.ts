// Opens NATS (and the model registry) for one CLI command, and always closes the connection after it.
import { connectNats } from '@aviary/messaging';
import { ModelRegistry } from '@aviary/model-registry';
import { NatsConnection } from 'nats';

export async function withNats<T>(natsUrl: string, run: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connectNats(natsUrl, 'aviary-cli');
  try {
    return await run(nc);
  } finally {
    await nc.drain();
  }
}

export function withRegistry<T>(
  natsUrl: string,
  run: (registry: ModelRegistry, nc: NatsConnection) => Promise<T>,
): Promise<T> {
  return withNats(natsUrl, async (nc) => run(await ModelRegistry.open(nc), nc));
}
