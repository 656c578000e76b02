import 'reflect-metadata';
import { subjects } from '@aviary/contracts';
import { NatsServer, startNatsServer } from '@aviary/testing';
import { NestFactory } from '@nestjs/core';
import { connectNats } from './connection';
import { MessagingModule } from './messaging.module';
import { NatsRpc } from './rpc';

describe('MessagingModule', () => {
  let nats: NatsServer;
  let probe: NatsRpc;

  beforeAll(async () => {
    nats = await startNatsServer();
    probe = new NatsRpc(await connectNats(nats.url, 'module-spec-probe'));
  });

  afterAll(async () => {
    await probe?.drain();
    await nats?.stop();
  });

  it('answers pings on its service subject while up, and drains its connection on shutdown', async () => {
    const app = await NestFactory.createApplicationContext(
      MessagingModule.forRoot({ url: nats.url, service: 'spec-service' }),
      {
        logger: false,
      },
    );
    const rpc = app.get(NatsRpc);
    await rpc.connection.flush();
    await expect(
      probe.request(subjects.ping('spec-service'), new Uint8Array(0), { timeoutMs: 2_000 }),
    ).resolves.toEqual(new Uint8Array(0));

    await app.close();
    expect(rpc.connection.isClosed()).toBe(true);
    await expect(
      probe.request(subjects.ping('spec-service'), new Uint8Array(0), { timeoutMs: 2_000 }),
    ).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
  });
});
