import { OFREP_PEER_ANSWER, ofrepPeerApp } from './ofrep-peer';

describe('the OFREP peer', () => {
  const app = ofrepPeerApp();
  afterAll(() => app.close());

  it('answers any single-flag request with the fixed evaluation, under the flag’s key', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/ofrep/v1/evaluate/flags/static-flag',
      payload: { context: { targetingKey: 'user-42' } },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ key: 'static-flag', ...OFREP_PEER_ANSWER });
  });
});
