// ModelServices against a real nats-server with preprocessor stand-ins that serve only the per-version subject,
// as preprocessors from before the shared predict-versions message do during a rolling upgrade.
import { AviaryError, PredictRecords, subjects } from '@aviary/contracts';
import { connectNats, decodeJson, encodeJson, NatsRpc } from '@aviary/messaging';
import { NatsServer, startNatsServer } from '@aviary/testing';
import { GatewayConfig } from './config';
import { ModelServices } from './model-services';

describe('ModelServices predict calls', () => {
  let nats: NatsServer;
  let preprocessor: NatsRpc;
  let gateway: NatsRpc;
  const asked: string[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
    preprocessor = new NatsRpc(await connectNats(nats.url, 'old-preprocessor'));
    gateway = new NatsRpc(await connectNats(nats.url, 'gateway'));
    await preprocessor.serve(subjects.predict('m', '*'), 'preprocessor', async ({ subject, data }) => {
      asked.push(subject);
      const { records } = decodeJson(data, 'predict') as PredictRecords;
      const [, version] = subjects.modelAndVersion(subject);
      if (version === '3') throw new AviaryError('version 3 is not ready', 'UNAVAILABLE');
      return encodeJson({ predictions: records.map((record) => ({ version, record })) });
    });
  });

  afterAll(async () => {
    await gateway?.drain();
    await preprocessor?.drain();
    await nats?.stop();
  });

  it('falls back to one call per version when no preprocessor serves the shared message, each answer its own', async () => {
    const config = { AVIARY_PREDICT_MAX_BATCH: 64, AVIARY_REQUEST_TIMEOUT_MS: 2000 } as GatewayConfig;
    const services = new ModelServices(gateway, config);
    const answers = await services.predict('m', [
      { version: '1', request: { records: ['a'] } },
      { version: '2', request: { records: ['b', 'c'] } },
      { version: '3', request: { records: ['d'] } },
    ]);
    expect(answers).toEqual([
      { predictions: [{ version: '1', record: 'a' }] },
      {
        predictions: [
          { version: '2', record: 'b' },
          { version: '2', record: 'c' },
        ],
      },
      { error: expect.objectContaining({ message: 'version 3 is not ready', code: 'UNAVAILABLE' }) },
    ]);
    expect(asked.sort()).toEqual([subjects.predict('m', '1'), subjects.predict('m', '2'), subjects.predict('m', '3')]);
  });
});
