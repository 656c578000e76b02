import { applyFeatureSpec, interpretOutputs } from '@aviary/features';
import { workspaceRoot } from '@aviary/testing';
import { join } from 'node:path';
import { loadBundle, ModelBundle } from './baseline';
import { peerApp } from './peer-app';

const RECORD = { date: '2001/01/14 17:05', distance: 1009, origin: 'SEA', destination: 'SFO' };

describe('the peer (Fastify + the feature spec + ONNX Runtime, the real flight-delay bundle)', () => {
  let bundle: ModelBundle;
  let app: ReturnType<typeof peerApp>;

  beforeAll(async () => {
    bundle = await loadBundle({ modelsDir: join(workspaceRoot(), 'models'), model: 'flight-delay', version: '2' });
    app = peerApp({ bundle, model: 'flight-delay', version: '2' });
  });
  afterAll(async () => {
    await app.close();
    await bundle.session.release();
  });

  const predict = (model: string, body: unknown) =>
    app.inject({ method: 'POST', url: `/v1/models/${model}/predict`, payload: body as object });

  it('answers each record with the prediction the in-process baseline makes of it', async () => {
    const response = await predict('flight-delay', { instances: [RECORD, { ...RECORD, distance: 300 }] });
    expect(response.statusCode).toBe(200);
    const expected = interpretOutputs(bundle.spec, await bundle.session.run(applyFeatureSpec(bundle.spec, [RECORD])));
    const answer = response.json();
    expect(answer).toMatchObject({ model: 'flight-delay', version: '2' });
    expect(answer.predictions).toHaveLength(2);
    expect(answer.predictions[0]).toEqual(JSON.parse(JSON.stringify(expected[0])));
  });

  it('refuses a request without records with 400', async () => {
    const response = await predict('flight-delay', { instances: [] });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toContain('instances');
  });

  it('refuses a record the feature spec cannot read with 400 and the reason', async () => {
    const response = await predict('flight-delay', { instances: [{ ...RECORD, distance: 'far' }] });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toContain('distance');
  });

  it('answers 404 for a model it does not serve', async () => {
    expect((await predict('penguin-species', { instances: [RECORD] })).statusCode).toBe(404);
  });
});
