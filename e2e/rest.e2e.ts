// The REST door against the real stack: Open Inference Protocol, predict on raw records, and every bad input.
import { startStack, Stack, waitFor } from '@aviary/testing';
import { FLIGHT, getJson, postJson, postStream } from './support';

describe('REST gateway', () => {
  let stack: Stack;
  let url: string;

  beforeAll(async () => {
    stack = await startStack({
      env: {
        AVIARY_MAX_BODY_BYTES: String(64 * 1024),
        AVIARY_REQUEST_TIMEOUT_MS: '1500',
        AVIARY_MAX_PREDICT_RECORDS: '100',
        AVIARY_MAX_TENSOR_ELEMENTS: '1000',
        AVIARY_MAX_STRING_BYTES: '256',
      },
    });
    url = stack.gateway.httpUrl;
    await stack.waitForModel('flight-delay');
    await stack.waitForModel('penguin-species');
  });

  afterAll(() => stack?.stop());

  describe('Open Inference Protocol', () => {
    it('reports the server live, ready and its metadata', async () => {
      expect(await getJson(`${url}/v2/health/live`)).toMatchObject({ status: 200, body: { live: true } });
      expect(await getJson(`${url}/v2/health/ready`)).toMatchObject({ status: 200, body: { ready: true } });
      expect(await getJson(`${url}/v2`)).toMatchObject({
        status: 200,
        body: { name: 'aviary', version: expect.any(String), extensions: expect.any(Array) },
      });
    });

    it('describes a model and a version with OIP datatypes and shapes', async () => {
      const model = await getJson(`${url}/v2/models/flight-delay`);
      expect(model.status).toBe(200);
      expect(model.body).toMatchObject({ name: 'flight-delay', versions: ['1', '2'], platform: 'onnxruntime' });
      expect(model.body.inputs).toEqual([{ name: 'features', datatype: 'FP32', shape: [-1, expect.any(Number)] }]);
      expect(model.body.outputs).toEqual(
        expect.arrayContaining([
          { name: 'label', datatype: 'INT64', shape: [-1] },
          { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
        ]),
      );
      const v1 = await getJson(`${url}/v2/models/flight-delay/versions/1`);
      expect(v1.body).toMatchObject({ name: 'flight-delay', versions: ['1'] });
      expect(v1.body.inputs[0].shape[1]).toBeLessThan(model.body.inputs[0].shape[1]);
      expect(await getJson(`${url}/v2/models/flight-delay/ready`)).toMatchObject({
        status: 200,
        body: { ready: true },
      });
      expect(await getJson(`${url}/v2/models/flight-delay/versions/1/ready`)).toMatchObject({ status: 200 });
    });

    it('infers on flat and nested data, echoes the id and applies the outputs filter', async () => {
      const width: number = (await getJson(`${url}/v2/models/flight-delay/versions/1`)).body.inputs[0].shape[1];
      const rows = [Array.from({ length: width }, (_, i) => i / 10), Array.from({ length: width }, () => -1)];
      const nested = await postJson(`${url}/v2/models/flight-delay/versions/1/infer`, {
        id: 'req-42',
        inputs: [{ name: 'features', shape: [2, width], datatype: 'FP32', data: rows }],
      });
      expect(nested.status).toBe(200);
      expect(nested.body).toMatchObject({ model_name: 'flight-delay', model_version: '1', id: 'req-42' });
      const probabilities = nested.body.outputs.find((o: { name: string }) => o.name === 'probabilities');
      expect(probabilities).toMatchObject({ datatype: 'FP32', shape: [2, 2] });
      expect(probabilities.data[0] + probabilities.data[1]).toBeCloseTo(1, 5);

      const flat = await postJson(`${url}/v2/models/flight-delay/versions/1/infer`, {
        inputs: [{ name: 'features', shape: [2, width], datatype: 'FP32', data: rows.flat() }],
        outputs: [{ name: 'label' }],
      });
      expect(flat.status).toBe(200);
      expect(flat.body.outputs).toHaveLength(1);
      expect(flat.body.outputs[0]).toMatchObject({ name: 'label', datatype: 'INT64', shape: [2] });
      expect(flat.body.id).toBeUndefined();
    });

    it('speaks the binary tensor data extension: raw input bytes in, raw output bytes out', async () => {
      const width: number = (await getJson(`${url}/v2/models/flight-delay/versions/1`)).body.inputs[0].shape[1];
      const rows = new Float32Array(2 * width).map((_, i) => (i % 7) / 10);
      const header = Buffer.from(
        JSON.stringify({
          inputs: [
            {
              name: 'features',
              shape: [2, width],
              datatype: 'FP32',
              parameters: { binary_data_size: rows.byteLength },
            },
          ],
          outputs: [{ name: 'probabilities', parameters: { binary_data: true } }, { name: 'label' }],
        }),
      );
      const response = await fetch(`${url}/v2/models/flight-delay/versions/1/infer`, {
        method: 'POST',
        headers: {
          'content-type': 'application/octet-stream',
          'inference-header-content-length': String(header.length),
        },
        body: Buffer.concat([header, Buffer.from(rows.buffer)]),
      });
      expect(response.status).toBe(200);
      const body = Buffer.from(await response.arrayBuffer());
      const headerLength = Number(response.headers.get('inference-header-content-length'));
      const json = JSON.parse(body.subarray(0, headerLength).toString());
      const [probabilities, label] = json.outputs;
      expect(probabilities).toEqual({
        name: 'probabilities',
        datatype: 'FP32',
        shape: [2, 2],
        parameters: { binary_data_size: 16 },
      });
      expect(label).toMatchObject({ name: 'label', datatype: 'INT64', shape: [2], data: expect.any(Array) });
      const raw = new Float32Array(new Uint8Array(body.subarray(headerLength)).buffer);

      const asJson = await postJson(`${url}/v2/models/flight-delay/versions/1/infer`, {
        inputs: [{ name: 'features', shape: [2, width], datatype: 'FP32', data: Array.from(rows) }],
      });
      const expected = asJson.body.outputs.find((o: { name: string }) => o.name === 'probabilities').data;
      expect(Array.from(raw)).toEqual(expected);

      const truncated = await fetch(`${url}/v2/models/flight-delay/versions/1/infer`, {
        method: 'POST',
        headers: {
          'content-type': 'application/octet-stream',
          'inference-header-content-length': String(header.length),
        },
        body: Buffer.concat([header, Buffer.from(rows.buffer).subarray(4)]),
      });
      expect(truncated.status).toBe(400);
      expect(((await truncated.json()) as { error: string }).error).toMatch(/runs past the end of the body/);
    });

    it('routes an unversioned request to the serving version', async () => {
      const width: number = (await getJson(`${url}/v2/models/flight-delay`)).body.inputs[0].shape[1];
      const response = await postJson(`${url}/v2/models/flight-delay/infer`, {
        inputs: [{ name: 'features', shape: [1, width], datatype: 'FP32', data: new Array(width).fill(0) }],
      });
      expect(response).toMatchObject({ status: 200, body: { model_version: '2' } });
    });
  });

  describe('predict on raw records', () => {
    it('returns one flight-delay prediction per record with model, version and trace id', async () => {
      const response = await postJson(`${url}/v1/models/flight-delay/predict`, {
        instances: [FLIGHT, { ...FLIGHT, origin: 'ORD', distance: 300 }],
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        model: 'flight-delay',
        version: '2',
        traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      });
      expect(response.body.predictions).toHaveLength(2);
      for (const p of response.body.predictions) {
        expect(p.label).toMatch(/^(late|on-time)$/);
        expect(p.probability).toBeGreaterThan(0);
        expect(p.probability).toBeLessThan(1);
        expect(p.label === 'late').toBe(p.probability >= 0.5);
      }
    });

    it('answers the same as running the preprocessed tensor through OIP', async () => {
      const predicted = await postJson(`${url}/v1/models/flight-delay/versions/1/predict`, { instances: [FLIGHT] });
      expect(predicted.status).toBe(200);
      expect(predicted.body.version).toBe('1');
      expect(predicted.body.predictions[0].probability).toBeGreaterThan(0);
    });

    it('batches concurrent requests without mixing their answers, and a bad record fails only its own request', async () => {
      const records = Array.from({ length: 24 }, (_, i) => ({
        ...FLIGHT,
        distance: 200 + i * 150,
        origin: i % 2 ? 'ORD' : 'SEA',
      }));
      const alone = await Promise.all(
        records
          .slice(0, 4)
          .map(
            async (r) =>
              (await postJson(`${url}/v1/models/flight-delay/predict`, { instances: [r] })).body.predictions[0],
          ),
      );
      // Whether requests share a batch depends on how they arrive, so bursts repeat (bounded) until one does;
      // every burst must answer each request correctly either way.
      let batched: string[] = [];
      for (let burst = 0; burst < 5 && batched.length === 0; burst++) {
        const together = await Promise.all([
          ...records.map((r) => postJson(`${url}/v1/models/flight-delay/predict`, { instances: [r] })),
          postJson(`${url}/v1/models/flight-delay/predict`, { instances: [{ ...FLIGHT, distance: 'far' }] }),
        ]);
        expect(together.slice(0, 24).map((r) => r.status)).toEqual(new Array(24).fill(200));
        expect(together.slice(0, 4).map((r) => r.body.predictions[0])).toEqual(alone);
        expect(together[24]).toMatchObject({
          status: 400,
          body: { error: expect.stringMatching(/"distance".*\(row 0\)/) },
        });
        const metrics = await (await fetch(`${url}/metrics`)).text();
        batched = metrics
          .split('\n')
          .filter((l) => l.startsWith('aviary_predict_batched_requests_total{') && !l.includes('batch="1"'));
      }
      expect(batched.length).toBeGreaterThan(0);
    });

    it('classifies penguins, with missing values imputed', async () => {
      const response = await postJson(`${url}/v1/models/penguin-species/predict`, {
        instances: [
          {
            island: 'Biscoe',
            beak_length_mm: 48.6,
            beak_depth_mm: 16,
            flipper_length_mm: 230,
            body_mass_g: 5800,
            sex: 'MALE',
          },
          {
            island: 'Torgersen',
            beak_length_mm: 39.1,
            beak_depth_mm: 18.7,
            flipper_length_mm: 181,
            body_mass_g: 3750,
            sex: null,
          },
        ],
      });
      expect(response.status).toBe(200);
      expect(response.body.predictions.map((p: { label: string }) => p.label)).toEqual(['Gentoo', 'Adelie']);
    });
  });

  describe('observability', () => {
    it('serves /health/live, /health/ready and Prometheus /metrics on every service', async () => {
      for (const p of stack.processes) {
        expect({ service: p.name, status: (await fetch(`${p.httpUrl}/health/live`)).status }).toEqual({
          service: p.name,
          status: 200,
        });
        expect({ service: p.name, status: (await fetch(`${p.httpUrl}/health/ready`)).status }).toEqual({
          service: p.name,
          status: 200,
        });
        const metrics = await (await fetch(`${p.httpUrl}/metrics`)).text();
        expect(metrics).toContain(`process_cpu_seconds_total{service="${p.service}"}`);
      }
    });

    it('records requests, latency and predictions per model version', async () => {
      await postJson(`${url}/v1/models/flight-delay/predict`, { instances: [FLIGHT, FLIGHT] });
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(
        /aviary_requests_total\{route="\/v1\/models\/:model\/predict",model="flight-delay",code="200",outcome="ok",service="gateway"\} \d+/,
      );
      expect(metrics).toMatch(
        /aviary_request_duration_seconds_bucket\{le="0.005",service="gateway",route="\/v1\/models\/:model\/predict",model="flight-delay"\}/,
      );
      // The preprocessor interprets the outputs, so it counts the predictions per version.
      const preprocessor = stack.processes.find((p) => p.service === 'preprocessor');
      const predictionMetrics = await (await fetch(`${preprocessor?.httpUrl}/metrics`)).text();
      expect(predictionMetrics).toMatch(
        /aviary_predictions_total\{model="flight-delay",version="2",label="(late|on-time)",service="preprocessor"\} \d+/,
      );
      expect(predictionMetrics).toMatch(
        /aviary_prediction_probability_count\{[^}]*model="flight-delay",version="2"[^}]*\} \d+/,
      );
    });

    it('logs JSON lines that carry the trace id of the request', async () => {
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const response = await postJson(
        `${url}/v1/models/flight-delay/predict`,
        { instances: [{ ...FLIGHT, distance: 'far' }] },
        { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
      );
      expect(response.status).toBe(400);
      const gateway = stack.processes.find((p) => p.service === 'gateway');
      const logLines = () =>
        (gateway?.output() ?? '')
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l));
      // The child's stdout reaches this process asynchronously: wait (bounded) for the line.
      await waitFor(
        'the failed request to be logged',
        async () => logLines().some((l) => l.trace_id === traceId),
        5_000,
      );
      const lines = logLines();
      expect(lines.every((l) => l.service === 'gateway' && typeof l.level === 'string')).toBe(true);
      expect(lines).toContainEqual(
        expect.objectContaining({ trace_id: traceId, status: 400, error: expect.stringMatching(/"distance"/) }),
      );
    });
  });

  describe('connections', () => {
    // Fastify's 72 s, on the direct routes' server too: longer than load balancers' and client pools' idle timeouts,
    // so a client never reuses a socket the gateway is closing (Node's own 5 s raced undici's 4 s pool under load).
    it('keeps idle keep-alive connections for 72 s on every route', async () => {
      const predict = await postJson(`${url}/v1/models/flight-delay/predict`, { instances: [FLIGHT] });
      const metadata = await getJson(`${url}/v2`);
      expect(predict.headers.get('keep-alive')).toBe('timeout=72');
      expect(metadata.headers.get('keep-alive')).toBe('timeout=72');
    });
  });

  describe('bad input', () => {
    const infer = (body: unknown, model = 'flight-delay') =>
      postJson(`${url}/v2/models/${model}/versions/1/infer`, body);

    it('rejects malformed JSON with 400', async () => {
      const response = await postJson(`${url}/v1/models/flight-delay/predict`, '{"instances": [');
      expect(response.status).toBe(400);
      expect(response.body.error).toMatch(/JSON/);
    });

    it('rejects an unknown datatype, a shape that does not match the data or the model, and missing or extra inputs', async () => {
      const width: number = (await getJson(`${url}/v2/models/flight-delay/versions/1`)).body.inputs[0].shape[1];
      const zeros = new Array(width).fill(0);
      const cases: [unknown, RegExp][] = [
        [{ inputs: [{ name: 'features', shape: [1, width], datatype: 'FP8', data: zeros }] }, /unknown datatype "FP8"/],
        [
          { inputs: [{ name: 'features', shape: [2, width], datatype: 'FP32', data: zeros }] },
          /needs \d+ elements, got \d+/,
        ],
        [
          { inputs: [{ name: 'features', shape: [1, width + 1], datatype: 'FP32', data: [...zeros, 0] }] },
          /the model expects \[-1,\d+\]/,
        ],
        [
          { inputs: [{ name: 'features', shape: [1, width], datatype: 'FP64', data: zeros }] },
          /must be FP32, got FP64/,
        ],
        [{ inputs: [{ name: 'other', shape: [1], datatype: 'FP32', data: [0] }] }, /unexpected input "other"/],
        [
          {
            inputs: [
              { name: 'features', shape: [1, width], datatype: 'FP32', data: zeros },
              { name: 'extra', shape: [1], datatype: 'FP32', data: [1] },
            ],
          },
          /unexpected input "extra"/,
        ],
        [
          { inputs: [{ name: 'features', shape: [1, width], datatype: 'FP32', data: ['a', ...zeros.slice(1)] }] },
          /element 0 must be a number, got "a"/,
        ],
        [{ inputs: [] }, /inputs/],
        [
          {
            inputs: [{ name: 'features', shape: [1, width], datatype: 'FP32', data: zeros }],
            outputs: [{ name: 'nope' }],
          },
          /unknown output "nope"/,
        ],
      ];
      for (const [body, message] of cases) {
        const response = await infer(body);
        expect({ status: response.status, error: response.body.error }).toEqual({
          status: 400,
          error: expect.stringMatching(message),
        });
      }
    });

    it('names the field and the row of a bad record', async () => {
      const cases: [unknown, RegExp][] = [
        [{ instances: [FLIGHT, { ...FLIGHT, distance: 'abc' }] }, /"distance".*number.*"abc".*row 1/],
        [{ instances: [{ date: FLIGHT.date, distance: 100, origin: 'SEA' }] }, /"destination"/],
        [{ instances: [{ ...FLIGHT, colour: 'red' }] }, /"colour"/],
        [{ instances: [] }, /at least one record/],
        [{ records: [FLIGHT] }, /instances/],
      ];
      for (const [body, message] of cases) {
        const response = await postJson(`${url}/v1/models/flight-delay/predict`, body);
        expect({ status: response.status, error: response.body.error }).toEqual({
          status: 400,
          error: expect.stringMatching(message),
        });
      }
    });

    it('answers 404 for an unknown model or version', async () => {
      expect(await getJson(`${url}/v2/models/nope`)).toMatchObject({
        status: 404,
        body: { error: 'unknown model "nope"' },
      });
      expect((await getJson(`${url}/v2/models/flight-delay/versions/9`)).status).toBe(404);
      expect((await postJson(`${url}/v1/models/nope/predict`, { instances: [FLIGHT] })).status).toBe(404);
      const response = await postJson(`${url}/v2/models/flight-delay/versions/9/infer`, {
        inputs: [{ name: 'features', shape: [1], datatype: 'FP32', data: [0] }],
      });
      expect(response).toMatchObject({ status: 404, body: { error: expect.stringMatching(/no version "9"/) } });
    });

    it('answers 404 for an unknown model or version whatever the body: empty, invalid, not JSON or not even parseable', async () => {
      const post = (path: string, body: string, type = 'application/json') =>
        fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
      for (const [path, body, type] of [
        ['/v2/models/no-such-model/infer', '{"inputs":[]}'],
        ['/v2/models/no-such-model/infer', '{"inputs": ['],
        ['/v2/models/no-such-model/infer', 'a=1', 'application/x-www-form-urlencoded'],
        ['/v2/models/no-such-model/versions/1/infer', '{}'],
        ['/v2/models/flight-delay/versions/9/infer', '{"inputs":[]}'],
        ['/v1/models/no-such-model/predict', '{"instances":[]}'],
        ['/v1/models/no-such-model/predict', '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['],
        ['/v1/models/flight-delay/versions/9/predict', 'not json'],
      ]) {
        const response = await post(path, body, type);
        expect({ path, body, status: response.status }).toEqual({ path, body, status: 404 });
        expect(((await response.json()) as { error: string }).error).toMatch(/unknown model|no version "9"/);
      }
    });

    it('answers 400 or 413 naming the limit and its variable for bodies past the request limits', async () => {
      const deep = await postJson(
        `${url}/v1/models/flight-delay/predict`,
        `{"instances":[${'['.repeat(5000)}${']'.repeat(5000)}]}`,
      );
      expect(deep).toMatchObject({ status: 400, body: { error: expect.stringMatching(/AVIARY_MAX_JSON_DEPTH/) } });
      const records = await postJson(`${url}/v1/models/flight-delay/predict`, {
        instances: Array.from({ length: 101 }, () => FLIGHT),
      });
      expect(records).toMatchObject({
        status: 413,
        body: {
          error: 'the predict request holds 101 records, more than 100, the limit set by AVIARY_MAX_PREDICT_RECORDS',
        },
      });
      const long = await postJson(`${url}/v1/models/flight-delay/predict`, {
        instances: [{ ...FLIGHT, origin: 'S'.repeat(257) }],
      });
      expect(long).toMatchObject({ status: 413, body: { error: expect.stringMatching(/AVIARY_MAX_STRING_BYTES/) } });
      const elements = await infer({ inputs: [{ name: 'features', shape: [1001], datatype: 'FP32', data: [] }] });
      expect(elements).toMatchObject({
        status: 413,
        body: { error: expect.stringMatching(/AVIARY_MAX_TENSOR_ELEMENTS/) },
      });
      const header = Buffer.from(
        JSON.stringify({
          inputs: [{ name: 'features', shape: [1000, 1000], datatype: 'FP32', parameters: { binary_data_size: 4 } }],
        }),
      );
      const binary = await fetch(`${url}/v2/models/flight-delay/infer`, {
        method: 'POST',
        headers: {
          'content-type': 'application/octet-stream',
          'inference-header-content-length': String(header.length),
        },
        body: Buffer.concat([header, Buffer.alloc(4)]),
      });
      expect(binary.status).toBe(413);
      expect(((await binary.json()) as { error: string }).error).toMatch(/AVIARY_MAX_TENSOR_ELEMENTS/);
    });

    it('answers 413 for a body over AVIARY_MAX_BODY_BYTES', async () => {
      const response = await postJson(`${url}/v1/models/flight-delay/predict`, {
        instances: Array.from({ length: 2000 }, () => FLIGHT),
      });
      expect(response.status).toBe(413);
      expect(response.body.error).toMatch(/AVIARY_MAX_BODY_BYTES/);
    });

    it('answers 415 for a body that is not JSON (or raw bytes, for infer), naming what it takes', async () => {
      const predict = await fetch(`${url}/v1/models/flight-delay/predict`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ instances: [FLIGHT] }),
      });
      expect(predict.status).toBe(415);
      expect(await predict.json()).toEqual({ error: 'content-type must be application/json, got "text/plain"' });
      const infer = await fetch(`${url}/v2/models/flight-delay/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'a=1',
      });
      expect(infer.status).toBe(415);
      expect(((await infer.json()) as { error: string }).error).toMatch(
        /application\/json or application\/octet-stream/,
      );
    });

    it('refuses a JSON body that sets __proto__ with 400', async () => {
      const response = await postJson(
        `${url}/v1/models/flight-delay/predict`,
        `{"instances":[{"__proto__":{"admin":true},"distance":1}]}`,
      );
      expect(response.status).toBe(400);
      expect(response.body.error).toMatch(/__proto__/);
    });

    it('answers 413 for a chunked body that grows past the limit without declaring its length', async () => {
      const chunk = new TextEncoder().encode(JSON.stringify({ instances: [FLIGHT] }).repeat(200));
      const response = await postStream(
        `${url}/v1/models/flight-delay/predict`,
        'application/json',
        Array(10).fill(chunk),
      );
      expect(response.status).toBe(413);
      expect(response.body.error).toMatch(/AVIARY_MAX_BODY_BYTES/);
    });

    it('reads percent-encoded names and ignores a query string on the predict and infer routes', async () => {
      const predicted = await postJson(`${url}/v1/models/flight%2Ddelay/versions/%31/predict?debug=1`, {
        instances: [FLIGHT],
      });
      expect(predicted).toMatchObject({ status: 200, body: { model: 'flight-delay', version: '1' } });
      const broken = await postJson(`${url}/v1/models/flight%E0%A4%A/predict`, { instances: [FLIGHT] });
      expect(broken).toMatchObject({ status: 400, body: { error: expect.stringMatching(/percent-encoding/) } });
    });

    it('stays up after all of it', async () => {
      expect((await postJson(`${url}/v1/models/flight-delay/predict`, { instances: [FLIGHT] })).status).toBe(200);
      for (const p of stack.processes) expect(p.child.exitCode).toBeNull();
    });
  });

  describe('when replicas are missing or stuck', () => {
    it('answers 504 when the only inference replica does not answer in time', async () => {
      const [inference] = stack.processes.filter((p) => p.service === 'inference');
      inference.child.kill('SIGSTOP');
      try {
        const started = Date.now();
        const response = await postJson(`${url}/v1/models/flight-delay/predict`, { instances: [FLIGHT] });
        expect(response.status).toBe(504);
        expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
      } finally {
        inference.child.kill('SIGCONT');
      }
    });

    it('answers 503 at once when no replica serves the model', async () => {
      for (const p of stack.processes.filter((p) => p.service === 'inference')) await p.stop();
      const started = Date.now();
      const response = await postJson(`${url}/v1/models/flight-delay/predict`, { instances: [FLIGHT] });
      expect(response.status).toBe(503);
      expect(response.body.error).toMatch(/no replica serves/);
      expect(Date.now() - started).toBeLessThan(1000);
      expect((await getJson(`${url}/v2/health/ready`)).status).toBe(503);
    });
  });
});
