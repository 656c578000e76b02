// Hostile input against the real stack: thousands of generated requests over REST predict and infer and gRPC
// ModelInfer. None may reach a 5xx other than 503, leak an internal message or stack, or hurt a service.
// The generator is seeded: the seed is printed, and FUZZ_SEED=<seed> replays the same requests.
import { mulberry32 } from '@aviary/evaluation';
import { connectReadyInferenceClient, startStack, Stack } from '@aviary/testing';
import * as grpc from '@grpc/grpc-js';
import { Agent, request as httpRequest } from 'node:http';
import { FLIGHT, getJson, postJson } from './support';

const REST_PREDICT = 1500;
const REST_INFER = 1500;
const GRPC_INFER = 1000;
const CONCURRENCY = 8;

/** What an answer must never carry: a stack frame, a JavaScript error name or message, a source location. */
const LEAK =
  /Maximum call stack|at Object\.|at [\w.<>]+ \(|\bat (?:async )?[\w.]+ \(|TypeError|RangeError|ReferenceError|SyntaxError|Cannot read propert|is not a function|is not iterable|undefined is not|\.[jt]s:\d+|node:internal/;

/** The same seed gives the same run. */
type Random = () => number;

interface RestCase {
  door: 'rest';
  kind: string;
  path: string;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

interface GrpcCase {
  door: 'grpc';
  kind: string;
  request: Record<string, unknown>;
  /** Sent as the message's bytes instead: the request encoded, cut at `cut` (a fraction) and with bytes overwritten. */
  corrupt?: { cut: number; writes: [number, number][] };
}

type Case = RestCase | GrpcCase;

interface ModelInput {
  name: string;
  datatype: string;
  shape: number[];
}

/** The generator: every choice comes from `random`, so a seed names one exact sequence of requests. */
class HostileInput {
  constructor(
    private readonly random: Random,
    private readonly inputs: Record<string, ModelInput[]>,
  ) {}

  private int(max: number): number {
    return Math.floor(this.random() * max);
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  private bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = this.int(256);
    return out;
  }

  private text(length: number): string {
    const alphabet = ['a', 'Z', '0', ' ', '"', '\\', '/', '%', '{', '[', '\u0000', 'é', '€', '\ud83d\ude00', '\ud800'];
    return Array.from({ length }, () => this.pick(alphabet)).join('');
  }

  /** JSON text of numbers JSON.parse turns into Infinity or loses, and tokens JSON does not have. */
  private hostileNumber(): string {
    return this.pick([
      '1e400',
      '-1e400',
      '1.7976931348623157e308',
      '5e-324',
      '-0',
      '9007199254740993',
      '123456789012345678901234567890',
      'NaN',
      'Infinity',
      '0x10',
      '1.',
      '.5',
      '01',
      String(this.random() * 1e6 - 5e5),
      String(this.int(4294967296) - 2147483648),
    ]);
  }

  /** A JSON value as text: any type, possibly hostile, possibly not JSON at all. */
  private value(depth = 0): string {
    const choice = this.int(depth > 3 ? 6 : 10);
    switch (choice) {
      case 0:
        return this.hostileNumber();
      case 1:
        return JSON.stringify(this.text(this.int(20)));
      case 2:
        return this.pick(['true', 'false', 'null', 'undefined', '""']);
      case 3:
        return String(this.int(1000));
      case 4:
        return JSON.stringify(this.pick(['SEA', 'ORD', 'Biscoe', 'MALE', '2001/01/14 17:05', '']));
      case 5:
        return this.random() < 0.5 ? '1e999' : String(this.random() * 1000);
      case 6:
      case 7:
        return `[${Array.from({ length: this.int(5) }, () => this.value(depth + 1)).join(',')}]`;
      default:
        return this.object(depth + 1);
    }
  }

  private key(): string {
    return this.pick([
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'hasOwnProperty',
      'valueOf',
      'distance',
      'origin',
      'destination',
      'date',
      'island',
      'sex',
      'body_mass_g',
      '',
      this.text(5),
    ]);
  }

  private object(depth: number): string {
    const fields = Array.from({ length: this.int(6) }, () => `${JSON.stringify(this.key())}:${this.value(depth)}`);
    return `{${fields.join(',')}}`;
  }

  private deep(levels: number, open = '[', close = ']', inner = '1'): string {
    return open.repeat(levels) + inner + close.repeat(levels);
  }

  private modelSegment(): { model: string; kind?: string } {
    const roll = this.random();
    if (roll < 0.7) return { model: this.pick(Object.keys(this.inputs)) };
    return {
      kind: 'model-name',
      model: this.pick([
        'no-such-model',
        'x'.repeat(200 + this.int(4000)),
        '%00',
        '%2e%2e%2f%2e%2e',
        '..',
        '%E0%A4%A',
        '%',
        '%ZZ',
        encodePath(this.text(30)),
        encodeURIComponent('flight-delay\u0000'),
        'flight%2Ddelay',
        '__proto__',
        'constructor',
        'toString',
        encodeURIComponent('ф'.repeat(300)),
      ]),
    };
  }

  private version(): string | undefined {
    const roll = this.random();
    if (roll < 0.7) return undefined;
    if (roll < 0.85) return this.pick(['1', '2']);
    return this.pick(['9', '0', '-1', '1.0', '%31', '%', 'x'.repeat(500), '__proto__', '%00', 'latest']);
  }

  private contentType(kind: string, json: string): { kind: string; type?: string } {
    if (this.random() < 0.85) return { kind, type: json };
    return {
      kind: 'content-type',
      type: this.pick([
        undefined,
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json; charset=binary',
        'APPLICATION/JSON',
        'application/json;;;',
        'application/jsonx',
        'application/octet-stream',
        '',
        'application/json, text/plain',
      ]),
    };
  }

  private path(route: 'predict' | 'infer', model: string, version?: string): string {
    const base = route === 'predict' ? '/v1/models/' : '/v2/models/';
    const query = this.random() < 0.1 ? `?${this.pick(['a=1', '__proto__[x]=1', '%', 'x'.repeat(100)])}` : '';
    return `${base}${model}${version === undefined ? '' : `/versions/${version}`}/${route}${query}`;
  }

  restPredict(): RestCase {
    const { model, kind: nameKind } = this.modelSegment();
    const version = this.version();
    let kind: string;
    let body: string | Buffer;
    switch (this.int(9)) {
      case 0:
        kind = 'random-bytes';
        body = this.bytes(this.int(300));
        break;
      case 1:
        kind = 'deep-nesting';
        body = `{"instances":[${this.deep(this.pick([40, 100, 1000, 5000, 20000]), this.pick(['[', '{"a":']), this.pick([']', '}']))}]}`;
        break;
      case 2:
        kind = 'wrong-types';
        body = this.pick([this.value(), `{"instances":${this.value()}}`, `{"instances":[${this.value()}]}`]);
        break;
      case 3:
        kind = 'proto-keys';
        body = `{"instances":[{"__proto__":{"distance":1},"distance":1}],"constructor":{"prototype":{"x":1}}}`;
        if (this.random() < 0.5)
          body = `{"instances":[${this.object(1)}],${JSON.stringify(this.key())}:${this.value()}}`;
        break;
      case 4:
        kind = 'many-records';
        body = JSON.stringify({ instances: Array.from({ length: this.pick([0, 1, 500, 5000, 20000]) }, () => FLIGHT) });
        break;
      case 5:
        kind = 'long-string';
        body = JSON.stringify({ instances: [{ ...FLIGHT, origin: 'S'.repeat(this.pick([70_000, 200_000])) }] });
        break;
      case 6:
        kind = 'truncated-json';
        body = JSON.stringify({ instances: [FLIGHT, FLIGHT] }).slice(0, this.int(60));
        break;
      default:
        kind = 'hostile-records';
        body = `{"instances":[${Array.from({ length: 1 + this.int(4) }, () => this.object(1)).join(',')}]}`;
    }
    const typed = this.contentType(nameKind ?? kind, 'application/json');
    return this.rest(`predict/${typed.kind}`, this.path('predict', model, version), body, typed.type);
  }

  restInfer(): RestCase {
    const { model, kind: nameKind } = this.modelSegment();
    const version = this.version();
    let kind: string;
    let body: string | Buffer;
    let extra: Record<string, string | string[]> = {};
    let type = 'application/json';
    switch (this.int(9)) {
      case 0:
        kind = 'random-bytes';
        body = this.bytes(this.int(300));
        if (this.random() < 0.5) {
          type = 'application/octet-stream';
          extra = { 'inference-header-content-length': String(this.int(400)) };
        }
        break;
      case 1:
        kind = 'deep-nesting';
        body = `{"inputs":[{"name":"features","datatype":"FP32","shape":[1],"data":${this.deep(this.pick([40, 1000, 5000, 20000]))}}]}`;
        break;
      case 2:
        kind = 'absurd-shapes';
        body = JSON.stringify({ inputs: [this.absurdInput()] });
        break;
      case 3:
        kind = 'huge-declared';
        body = JSON.stringify({
          inputs: [
            { name: 'features', datatype: 'FP32', shape: this.pick([[1e9], [65536, 65536], [2 ** 31, 2]]), data: [1] },
          ],
        });
        break;
      case 4: {
        kind = 'binary-lies';
        const header = Buffer.from(JSON.stringify({ inputs: [this.binaryInput()] }));
        const tail = this.bytes(this.pick([0, 3, 4, 16, 68]));
        body = Buffer.concat([header, tail]);
        type = 'application/octet-stream';
        extra = {
          'inference-header-content-length': this.pick([
            String(header.length),
            String(header.length),
            String(header.length - 1),
            String(body.length + 1),
            '-1',
            'abc',
            '1e3',
            '0x10',
            '',
            [String(header.length), '0'],
          ]),
        };
        break;
      }
      case 5:
        kind = 'wrong-types';
        body = this.pick([this.value(), `{"inputs":${this.value()}}`, `{"inputs":[${this.object(1)}]}`]);
        break;
      case 6:
        kind = 'non-finite';
        body = `{"inputs":[{"name":"features","datatype":"${this.pick(['FP32', 'FP64', 'FP16', 'INT64', 'INT8', 'BOOL'])}","shape":[1,${this.featureWidth()}],"data":[${Array.from({ length: this.featureWidth() }, () => this.hostileNumber()).join(',')}]}]}`;
        break;
      case 7:
        kind = 'proto-keys';
        body = `{"inputs":[{"name":"features","datatype":"FP32","shape":[1],"data":[1],"__proto__":{"shape":[9]}}],"constructor":{"prototype":{"inputs":1}},"parameters":{"__proto__":{"binary_data_output":true}}}`;
        break;
      default:
        kind = 'near-valid';
        body = JSON.stringify({
          inputs: this.nearValidInputs(),
          outputs: this.random() < 0.3 ? [{ name: this.text(4) }] : undefined,
        });
    }
    const typed = this.contentType(nameKind ?? kind, type);
    return this.rest(`infer/${typed.kind}`, this.path('infer', model, version), body, typed.type, extra);
  }

  private featureWidth(): number {
    return this.inputs['flight-delay']?.[0]?.shape[1] ?? 4;
  }

  private absurdInput(): Record<string, unknown> {
    return {
      name: this.pick(['features', '', 'x'.repeat(1000), '__proto__']),
      datatype: this.pick(['FP32', 'BYTES', 'INT64', 'UINT64', 'FP16', 'BOOL', 'fp32', 'FP128', '', 'STRING']),
      shape: this.pick([[], [-1], [0], [1.5], [2 ** 53], [1e308], ['1'], [null], [1, 0, 1e9], Array(64).fill(1), 'x']),
      data: this.pick([[], [1], [[1], [2, 3]], 'abc', null, {}, [true, 'x', null], Array(10).fill(1e308)]),
    };
  }

  private binaryInput(): Record<string, unknown> {
    return {
      name: 'features',
      datatype: this.pick(['FP32', 'BYTES', 'INT64', 'FP16', 'BOOL']),
      shape: this.pick([[1, this.featureWidth()], [1], [1e9], [0], [-1]]),
      parameters: { binary_data_size: this.pick([0, 4, 16, 68, 1e9, -4, 1.5, '16', null]) },
    };
  }

  private nearValidInputs(): Record<string, unknown>[] {
    const model = this.inputs['flight-delay'] ?? [];
    return model.map((input) => {
      const rows = this.pick([1, 2, 3]);
      const width = input.shape[1] > 0 ? input.shape[1] : 1;
      return {
        name: input.name,
        datatype: this.random() < 0.8 ? input.datatype : this.pick(['FP64', 'INT32', 'BYTES']),
        shape: this.random() < 0.8 ? [rows, width] : [rows, width + 1],
        data: Array.from({ length: rows * width }, () => this.pick([0, 1, -1, 1e38, -1e38, 3.4e38, 1e-45, 0.5])),
      };
    });
  }

  private rest(
    kind: string,
    path: string,
    body: string | Buffer,
    type: string | undefined,
    extra: Record<string, string | string[]> = {},
  ): RestCase {
    const headers: Record<string, string | string[]> = { ...extra };
    if (type !== undefined) headers['content-type'] = type;
    return { door: 'rest', kind, path, headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8') };
  }

  grpcInfer(): GrpcCase {
    const { model, kind: nameKind } = this.modelSegment();
    const model_name = decodeSafely(model);
    const model_version = this.version() ?? '';
    const width = this.featureWidth();
    let kind: string;
    let request: Record<string, unknown>;
    let corrupt: GrpcCase['corrupt'];
    switch (this.int(8)) {
      case 0:
        kind = 'typed-wrong-field';
        request = {
          inputs: [
            {
              name: 'features',
              datatype: this.pick(['FP32', 'INT8', 'UINT16', 'BYTES', 'FP16', 'BOOL', 'INT64', 'NOPE']),
              shape: [1, width],
              contents: this.pick([
                { fp32_contents: Array(width).fill(Number.NaN) },
                { fp32_contents: Array(width).fill(Number.POSITIVE_INFINITY) },
                { int_contents: Array(width).fill(2147483647) },
                { int64_contents: Array(width).fill('-9223372036854775808') },
                { uint64_contents: Array(width).fill('18446744073709551615') },
                { bytes_contents: Array(width).fill(this.bytes(8)) },
                { bool_contents: Array(width).fill(true) },
                { fp64_contents: [1e308] },
                {},
              ]),
            },
          ],
        };
        break;
      case 1:
        kind = 'raw-lies';
        request = {
          inputs: [{ name: 'features', datatype: this.pick(['FP32', 'BYTES', 'FP16', 'INT64']), shape: [1, width] }],
          raw_input_contents: this.pick([
            [this.bytes(width * 4)],
            [this.bytes(width * 4 - 1)],
            [this.bytes(3)],
            [],
            [this.bytes(4), this.bytes(4)],
            [Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3])],
          ]),
        };
        break;
      case 2:
        kind = 'huge-declared';
        request = {
          inputs: [
            {
              name: 'features',
              datatype: 'FP32',
              shape: this.pick([['1000000000'], ['9223372036854775807'], ['-1'], ['4294967296', '4294967296']]),
            },
          ],
          raw_input_contents: [this.bytes(4)],
        };
        break;
      case 3:
        kind = 'absurd-shapes';
        request = {
          inputs: [
            {
              name: this.pick(['features', '', 'x'.repeat(2000)]),
              datatype: 'FP32',
              shape: this.pick([[], ['0'], Array(100).fill('1'), ['-9223372036854775808'], [String(2 ** 53 + 1)]]),
              contents: { fp32_contents: [1] },
            },
          ],
        };
        break;
      case 4:
        kind = 'no-inputs';
        request = { inputs: [], outputs: this.random() < 0.5 ? [{ name: this.text(10) }] : [] };
        break;
      case 5:
        kind = 'many-inputs';
        request = {
          inputs: Array.from({ length: this.pick([2, 50, 500]) }, (_, i) => ({
            name: this.random() < 0.5 ? 'features' : `x${i}`,
            datatype: 'FP32',
            shape: [1, width],
            contents: { fp32_contents: Array(width).fill(0) },
          })),
        };
        break;
      case 7:
        kind = 'protobuf-bytes';
        request = {
          inputs: [
            {
              name: 'features',
              datatype: 'FP32',
              shape: [1, width],
              contents: { fp32_contents: Array(width).fill(1) },
            },
          ],
        };
        corrupt = {
          cut: this.random() < 0.5 ? this.random() : 1,
          writes: Array.from({ length: this.int(6) }, () => [this.random(), this.int(256)]),
        };
        break;
      default:
        kind = 'long-bytes';
        request = {
          inputs: [
            {
              name: 'features',
              datatype: 'BYTES',
              shape: [1],
              contents: { bytes_contents: [Buffer.alloc(200_000, 0x61)] },
            },
          ],
        };
    }
    return {
      door: 'grpc',
      kind: `ModelInfer/${nameKind ?? kind}`,
      request: { model_name, model_version, id: this.random() < 0.2 ? this.text(50) : '', ...request },
      corrupt,
    };
  }
}

/** A lone surrogate cannot be percent-encoded: it goes as the bytes a careless client would send. */
function encodePath(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
}

function decodeSafely(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

interface Outcome {
  status: string;
  problem?: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function sendRest(baseUrl: string, c: RestCase): Promise<Outcome> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    let request;
    try {
      request = httpRequest(
        {
          agent,
          host: hostname,
          port,
          method: 'POST',
          path: c.path,
          headers: { ...c.headers, 'content-length': c.body.length },
          timeout: 20_000,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8');
            const problem =
              status >= 500 && status !== 503
                ? `answered ${status}: ${text.slice(0, 300)}`
                : LEAK.test(text)
                  ? `leaked an internal message (${status}): ${text.slice(0, 300)}`
                  : undefined;
            resolve({ status: String(status), problem });
          });
        },
      );
    } catch (error) {
      // Node's client refused the request (e.g. a control character in a header): nothing reached the gateway.
      return resolve({ status: `not sent (${(error as Error).message.slice(0, 40)})` });
    }
    request.on('timeout', () => request.destroy(new Error('no answer within 20 s')));
    request.on('error', (error) => resolve({ status: 'error', problem: `request failed: ${error.message}` }));
    request.end(c.body);
  });
}

type InferenceClient = grpc.Client & {
  ModelInfer(request: object, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null) => void): void;
};

const MODEL_INFER = '/inference.GRPCInferenceService/ModelInfer';

/** The request as bytes, corrupted as the case says: what a broken or hostile client puts on the wire. */
function corrupted(client: InferenceClient, c: GrpcCase & { corrupt: NonNullable<GrpcCase['corrupt']> }): Buffer {
  const service = (client.constructor as unknown as { service: grpc.ServiceDefinition }).service;
  const encoded = Buffer.from(service.ModelInfer.requestSerialize(c.request));
  const bytes = encoded.subarray(0, Math.ceil(encoded.length * c.corrupt.cut));
  for (const [at, value] of c.corrupt.writes) if (bytes.length) bytes[Math.floor(at * bytes.length)] = value;
  return bytes;
}

function sendGrpc(client: InferenceClient, c: GrpcCase): Promise<Outcome> {
  return new Promise((resolve) => {
    try {
      const options = { deadline: Date.now() + 20_000 };
      const answered = (error: grpc.ServiceError | null) => {
        if (!error) return resolve({ status: 'OK' });
        const name = grpc.status[error.code] ?? String(error.code);
        const problem =
          error.code === grpc.status.INTERNAL || error.code === grpc.status.UNKNOWN
            ? `answered ${name}: ${error.details}`
            : LEAK.test(error.details)
              ? `leaked an internal message (${name}): ${error.details}`
              : undefined;
        resolve({ status: name, problem });
      };
      if (c.corrupt) {
        const identity = (bytes: Buffer) => bytes;
        const raw = corrupted(client, { ...c, corrupt: c.corrupt });
        client.makeUnaryRequest(MODEL_INFER, identity, identity, raw, options, answered);
      } else client.ModelInfer(c.request, options, answered);
    } catch (error) {
      // The client refused to encode the message: nothing reached the gateway.
      resolve({ status: `not sent (${(error as Error).message.slice(0, 40)})` });
    }
  });
}

describe('hostile input', () => {
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 32);
  let stack: Stack;
  let client: InferenceClient;

  beforeAll(async () => {
    // A string limit under NATS's max_payload, so the long-string cases meet it rather than max_payload.
    stack = await startStack({ env: { AVIARY_MAX_STRING_BYTES: String(64 * 1024) } });
    await Promise.all(['flight-delay', 'penguin-species', 'car-mpg'].map((m) => stack.waitForModel(m)));
    client = await connectReadyInferenceClient<InferenceClient>(stack.gateway.grpcAddress);
  });

  afterAll(async () => {
    client?.close();
    agent.destroy();
    await stack?.stop();
  });

  it('answers every generated request without a 5xx (but 503), a leak or an INTERNAL status, and stays healthy', async () => {
    process.stdout.write(`fuzz seed ${seed} (replay with FUZZ_SEED=${seed})\n`);
    const inputs: Record<string, ModelInput[]> = {};
    for (const model of ['flight-delay', 'penguin-species', 'car-mpg'])
      inputs[model] = (await getJson(`${stack.gateway.httpUrl}/v2/models/${model}`)).body.inputs;
    const generate = new HostileInput(mulberry32(seed), inputs);
    const cases: Case[] = [
      ...Array.from({ length: REST_PREDICT }, () => generate.restPredict()),
      ...Array.from({ length: REST_INFER }, () => generate.restInfer()),
      ...Array.from({ length: GRPC_INFER }, () => generate.grpcInfer()),
    ];
    // Interleaved by the seeded generator too, so predict, infer and gRPC traffic overlap as they would.
    const order = mulberry32(seed ^ 0x9e3779b9);
    for (let i = cases.length - 1; i > 0; i--) {
      const j = Math.floor(order() * (i + 1));
      [cases[i], cases[j]] = [cases[j], cases[i]];
    }

    const counts = new Map<string, Map<string, number>>();
    const problems: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const index = next++;
        const c = cases[index];
        const outcome = c.door === 'rest' ? await sendRest(stack.gateway.httpUrl, c) : await sendGrpc(client, c);
        const key = `${c.door} ${c.kind}`;
        const byStatus = counts.get(key) ?? new Map<string, number>();
        byStatus.set(outcome.status, (byStatus.get(outcome.status) ?? 0) + 1);
        counts.set(key, byStatus);
        if (outcome.problem)
          problems.push(`#${index} ${key} ${c.door === 'rest' ? c.path.slice(0, 80) : ''}: ${outcome.problem}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    const lines = [...counts.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, byStatus]) => {
        const total = [...byStatus.values()].reduce((n, v) => n + v, 0);
        const statuses = [...byStatus.entries()].map(([s, n]) => `${s}×${n}`).join(' ');
        return `  ${String(total).padStart(5)}  ${key.padEnd(44)} ${statuses}`;
      });
    process.stdout.write(`fuzz: ${cases.length} requests (seed ${seed})\n${lines.join('\n')}\n`);
    expect(cases.length).toBeGreaterThanOrEqual(2000);
    expect(problems.slice(0, 20)).toEqual([]);

    for (const p of stack.processes) {
      expect(p.child.exitCode).toBeNull();
      expect((await fetch(`${p.httpUrl}/health/ready`)).status).toBe(200);
    }
    expect((await getJson(`${stack.gateway.httpUrl}/v2/health/ready`)).status).toBe(200);
    const predicted = await postJson(`${stack.gateway.httpUrl}/v1/models/flight-delay/predict`, {
      instances: [FLIGHT],
    });
    expect(predicted).toMatchObject({ status: 200, body: { model: 'flight-delay' } });
    const width = inputs['flight-delay'][0].shape[1];
    const inferred = await postJson(`${stack.gateway.httpUrl}/v2/models/flight-delay/infer`, {
      inputs: [{ name: 'features', datatype: 'FP32', shape: [1, width], data: Array(width).fill(0) }],
    });
    expect(inferred.status).toBe(200);
    // Made-up model names must not mint metric series: labels name registered models only.
    const metrics = await (await fetch(`${stack.gateway.httpUrl}/metrics`)).text();
    const labels = new Set([...metrics.matchAll(/model="([^"]*)"/g)].map((m) => m[1]));
    expect([...labels].filter((l) => !['', ...Object.keys(inputs)].includes(l))).toEqual([]);
  }, 180_000);
});
