// VersionInference against a real nats-server, with inference stand-ins: one that serves the shared infer-versions
// message (answering a body, an error and an absent version), and models whose replicas serve only per-version
// subjects, as inference from before the shared message does during a rolling upgrade.
import { AviaryError, decodeVersionParts, encodeVersionParts, subjects } from '@aviary/contracts';
import { connectNats, NatsRpc } from '@aviary/messaging';
import { NatsServer, startNatsServer } from '@aviary/testing';
import { VersionInference } from './version-inference';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (body: Uint8Array) => new TextDecoder().decode(body);

describe('VersionInference', () => {
  let nats: NatsServer;
  let replica: NatsRpc;
  let preprocessor: NatsRpc;
  let inference: VersionInference;
  const asked: string[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
    replica = new NatsRpc(await connectNats(nats.url, 'inference-stand-in'));
    preprocessor = new NatsRpc(await connectNats(nats.url, 'preprocessor'));
    inference = new VersionInference(preprocessor, { AVIARY_REQUEST_TIMEOUT_MS: 2000 });
    await replica.serve(subjects.inferVersions('m'), 'inference', async ({ subject, data }) => {
      asked.push(subject);
      return encodeVersionParts(
        decodeVersionParts(data).map((part) => {
          if (part.version === '2') return { version: '2', error: { code: 'INVALID_ARGUMENT', message: 'bad shape' } };
          if (part.version === '3') return { version: '3', absent: true };
          return { version: part.version, body: bytes(`shared ${part.version}: ${'body' in part && text(part.body)}`) };
        }),
      );
    });
    for (const model of ['m', 'old'])
      await replica.serve(subjects.infer(model, '*'), 'inference', async ({ subject, data }) => {
        asked.push(subject);
        return bytes(`own ${subjects.modelAndVersion(subject).join('.')}: ${text(data)}`);
      });
  });

  beforeEach(() => asked.splice(0));

  afterAll(async () => {
    await preprocessor?.drain();
    await replica?.drain();
    await nats?.stop();
  });

  const settle = (replies: Promise<Uint8Array>[]) =>
    Promise.all(replies.map((r) => r.then(text, (e: AviaryError) => ({ code: e.code, message: e.message }))));

  it('sends versions asked together in one message, asks an absent one on its own subject, keeps errors apart', async () => {
    const replies = inference.inferAll('m', [
      { version: '1', inputs: bytes('a') },
      { version: '2', inputs: bytes('b') },
      { version: '3', inputs: bytes('c') },
      { version: '1', inputs: bytes('d') },
    ]);
    expect(await settle(replies)).toEqual([
      'shared 1: a',
      { code: 'INTERNAL', message: 'm version 2 failed on valid records: bad shape' },
      'own m.3: c',
      'shared 1: d',
    ]);
    expect(asked).toEqual([subjects.inferVersions('m'), subjects.infer('m', '3')]);
  });

  it('asks every version on its own subject when no replica serves the shared message', async () => {
    const replies = inference.inferAll('old', [
      { version: '1', inputs: bytes('a') },
      { version: '2', inputs: bytes('b') },
    ]);
    expect(await settle(replies)).toEqual(['own old.1: a', 'own old.2: b']);
    expect(asked.sort()).toEqual([subjects.infer('old', '1'), subjects.infer('old', '2')]);
  });

  it('asks a lone version on its own subject, and a version no replica serves is UNAVAILABLE', async () => {
    expect(await settle(inference.inferAll('m', [{ version: '1', inputs: bytes('a') }]))).toEqual(['own m.1: a']);
    expect(asked).toEqual([subjects.infer('m', '1')]);
    const [missing] = await settle(inference.inferAll('gone', [{ version: '1', inputs: bytes('a') }]));
    expect(missing).toMatchObject({ code: 'UNAVAILABLE' });
  });
});
