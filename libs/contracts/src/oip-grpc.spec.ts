import { MethodDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { join } from 'node:path';
import { AviaryError } from './errors';
import { floatToHalf } from './half';
import { inferCommandFrom, inferResponseFrom } from './oip-grpc';
import {
  InferTensorContents,
  ModelInferRequest,
  ModelInferResponse,
  PROTO_FILE,
  PROTO_LOADER_OPTIONS,
  SERVICE_NAME,
} from './oip-grpc-messages';
import { RequestLimits } from './request-limits';
import { Datatype, Tensor, TensorData } from './tensor';
import { fromRawBytes, toRawBytes } from './typed-arrays';

const LIMITS: RequestLimits = {
  AVIARY_MAX_JSON_DEPTH: 32,
  AVIARY_MAX_PREDICT_RECORDS: 100,
  AVIARY_MAX_TENSOR_ELEMENTS: 1000,
  AVIARY_MAX_STRING_BYTES: 64,
};

// Every message goes through the real protobuf encoder and decoder, as it would on the wire.
const proto = loadSync(join(__dirname, '..', '..', '..', PROTO_FILE), PROTO_LOADER_OPTIONS);
const modelInfer = proto[SERVICE_NAME] as unknown as Record<string, MethodDefinition<object, object>>;
const { ModelInfer } = modelInfer;

/** What the server decodes when a client sends `request` (absent fields filled with defaults). */
function received(request: object): ModelInferRequest {
  return ModelInfer.requestDeserialize(ModelInfer.requestSerialize(request)) as ModelInferRequest;
}

/** What a client decodes from the server's answer. */
function answered(
  response: ModelInferResponse,
): ModelInferResponse & { outputs: { contents: InferTensorContents | null }[] } {
  return ModelInfer.responseDeserialize(ModelInfer.responseSerialize(response)) as never;
}

function rejection(request: object): string {
  try {
    inferCommandFrom(received(request), LIMITS);
  } catch (e) {
    expect(e).toBeInstanceOf(AviaryError);
    expect((e as AviaryError).code).toBe('INVALID_ARGUMENT');
    return (e as Error).message;
  }
  throw new Error('expected the request to be rejected');
}

const utf8 = (s: string) => Buffer.from(s, 'utf8');

/** One tensor per datatype, with the values it sends in its typed-contents field and the data it decodes to. */
const TYPED: { datatype: Datatype; field: keyof InferTensorContents; wire: unknown[]; data: TensorData }[] = [
  { datatype: 'BOOL', field: 'bool_contents', wire: [true, false, true], data: new Uint8Array([1, 0, 1]) },
  { datatype: 'INT8', field: 'int_contents', wire: [-128, 0, 127], data: new Int8Array([-128, 0, 127]) },
  { datatype: 'INT16', field: 'int_contents', wire: [-32768, 1, 32767], data: new Int16Array([-32768, 1, 32767]) },
  {
    datatype: 'INT32',
    field: 'int_contents',
    wire: [-2147483648, 2, 2147483647],
    data: new Int32Array([-2147483648, 2, 2147483647]),
  },
  {
    datatype: 'INT64',
    field: 'int64_contents',
    wire: ['9007199254740993', '-9223372036854775808', '9223372036854775807'],
    data: new BigInt64Array([9007199254740993n, -9223372036854775808n, 9223372036854775807n]),
  },
  { datatype: 'UINT8', field: 'uint_contents', wire: [0, 1, 255], data: new Uint8Array([0, 1, 255]) },
  { datatype: 'UINT16', field: 'uint_contents', wire: [0, 2, 65535], data: new Uint16Array([0, 2, 65535]) },
  { datatype: 'UINT32', field: 'uint_contents', wire: [0, 3, 4294967295], data: new Uint32Array([0, 3, 4294967295]) },
  {
    datatype: 'UINT64',
    field: 'uint64_contents',
    wire: ['0', '9007199254740993', '18446744073709551615'],
    data: new BigUint64Array([0n, 9007199254740993n, 18446744073709551615n]),
  },
  {
    datatype: 'FP32',
    field: 'fp32_contents',
    wire: [1.5, -0.25, 3.4e38],
    data: new Float32Array([1.5, -0.25, 3.4e38]),
  },
  {
    datatype: 'FP64',
    field: 'fp64_contents',
    wire: [0.1, -1e300, 5e-324],
    data: new Float64Array([0.1, -1e300, 5e-324]),
  },
  {
    datatype: 'BYTES',
    field: 'bytes_contents',
    wire: [utf8('héllo wörld'), utf8(''), utf8('🦜 日本')],
    data: ['héllo wörld', '', '🦜 日本'],
  },
];

const FP16: Tensor = {
  name: 'half',
  datatype: 'FP16',
  shape: [3],
  data: new Uint16Array([1, -2.5, 65504].map(floatToHalf)),
};
const EVERY_DATATYPE: Tensor[] = [
  ...TYPED.map((t) => ({ name: t.datatype.toLowerCase(), datatype: t.datatype, shape: [1, 3], data: t.data })),
  FP16,
];

const typedRequest = (inputs: object[], extra: object = {}) => ({ model_name: 'flight-delay', inputs, ...extra });

describe('inferCommandFrom', () => {
  it.each(TYPED)('reads $datatype inputs from contents.$field', ({ datatype, field, wire, data }) => {
    const { command, raw } = inferCommandFrom(
      received(typedRequest([{ name: 'x', datatype, shape: [1, 3], contents: { [field]: wire } }])),
      LIMITS,
    );
    expect(raw).toBe(false);
    expect(command.inputs).toEqual([{ name: 'x', datatype, shape: [1, 3], data }]);
    expect(command.inputs[0].data.constructor).toBe(data.constructor);
  });

  it('reads every datatype, FP16 and BYTES included, from raw_input_contents', () => {
    const request = typedRequest(
      EVERY_DATATYPE.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
      { raw_input_contents: EVERY_DATATYPE.map((t) => toRawBytes(t.datatype, t.data)) },
    );
    const { command, raw } = inferCommandFrom(received(request), LIMITS);
    expect(raw).toBe(true);
    expect(command.inputs).toEqual(EVERY_DATATYPE);
  });

  it('keeps 64-bit integers beyond 2^53 exact in both encodings', () => {
    const big = new BigInt64Array([2n ** 53n + 1n, -(2n ** 62n) - 3n]);
    const typed = inferCommandFrom(
      received(
        typedRequest([
          { name: 'id', datatype: 'INT64', shape: [2], contents: { int64_contents: Array.from(big, String) } },
        ]),
      ),
      LIMITS,
    );
    const raw = inferCommandFrom(
      received(
        typedRequest([{ name: 'id', datatype: 'INT64', shape: [2] }], {
          raw_input_contents: [toRawBytes('INT64', big)],
        }),
      ),
      LIMITS,
    );
    expect(typed.command.inputs[0].data).toEqual(big);
    expect(raw.command.inputs[0].data).toEqual(big);
  });

  it('passes model, version, id and requested outputs through, leaving empty ones unset', () => {
    const input = { name: 'features', datatype: 'FP32', shape: [1, 1], contents: { fp32_contents: [0.5] } };
    const full = inferCommandFrom(
      received(typedRequest([input], { model_version: '2', id: 'req-7', outputs: [{ name: 'probabilities' }] })),
      LIMITS,
    );
    const bare = inferCommandFrom(received(typedRequest([input])), LIMITS);
    expect(full.command).toMatchObject({
      model: 'flight-delay',
      version: '2',
      id: 'req-7',
      outputs: ['probabilities'],
    });
    expect(bare.command).toMatchObject({
      model: 'flight-delay',
      version: undefined,
      id: undefined,
      outputs: undefined,
    });
  });

  it('accepts an empty contents message alongside raw_input_contents', () => {
    const request = typedRequest([{ name: 'x', datatype: 'FP32', shape: [1], contents: {} }], {
      raw_input_contents: [toRawBytes('FP32', new Float32Array([2]))],
    });
    expect(inferCommandFrom(received(request), LIMITS).command.inputs[0].data).toEqual(new Float32Array([2]));
  });

  describe('rejects with INVALID_ARGUMENT and names the input', () => {
    const fp32 = (contents: object, shape = [2]) => ({ name: 'features', datatype: 'FP32', shape, contents });

    it('an unknown datatype', () => {
      expect(
        rejection(
          typedRequest([{ name: 'features', datatype: 'FLOAT32', shape: [1], contents: { fp32_contents: [1] } }]),
        ),
      ).toBe(
        'input "features": unknown datatype "FLOAT32"; expected one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BYTES',
      );
    });

    it('an element count that does not match the shape', () => {
      expect(rejection(typedRequest([fp32({ fp32_contents: [1, 2, 3] }, [1, 2])]))).toBe(
        'input "features": shape [1,2] needs 2 elements, got 3 in contents.fp32_contents',
      );
    });

    it('raw bytes that do not match the shape', () => {
      const request = typedRequest([{ name: 'features', datatype: 'FP32', shape: [1, 2] }], {
        raw_input_contents: [new Uint8Array(12)],
      });
      expect(rejection(request)).toBe('input "features": shape [1,2] of FP32 needs 8 bytes, got 12');
    });

    it('raw BYTES with fewer elements than the shape', () => {
      const request = typedRequest([{ name: 'text', datatype: 'BYTES', shape: [3] }], {
        raw_input_contents: [toRawBytes('BYTES', ['a', 'b'])],
      });
      expect(rejection(request)).toBe('input "text": shape needs 3 BYTES elements, got 2');
    });

    it('typed contents and raw_input_contents in one request', () => {
      const request = typedRequest([fp32({ fp32_contents: [1, 2] })], {
        raw_input_contents: [toRawBytes('FP32', new Float32Array(2))],
      });
      expect(rejection(request)).toBe(
        'input "features" sets contents while the request uses raw_input_contents; send every input one way',
      );
    });

    it('a raw_input_contents count different from the inputs count', () => {
      const inputs = [
        { name: 'a', datatype: 'FP32', shape: [1] },
        { name: 'b', datatype: 'FP32', shape: [1] },
      ];
      expect(rejection(typedRequest(inputs, { raw_input_contents: [new Uint8Array(4)] }))).toBe(
        'raw_input_contents has 1 entries for 2 inputs; send one per input, in the order of inputs',
      );
    });

    it('elements in the field of another datatype', () => {
      expect(rejection(typedRequest([fp32({ fp64_contents: [1, 2] })]))).toBe(
        'input "features": FP32 elements go in contents.fp32_contents, got contents.fp64_contents',
      );
    });

    it('FP16 in typed contents, which has no field for it', () => {
      expect(
        rejection(typedRequest([{ name: 'half', datatype: 'FP16', shape: [1], contents: { fp32_contents: [1] } }])),
      ).toBe('input "half": FP16 has no typed contents field; send FP16 inputs in raw_input_contents');
    });

    it('an integer outside its datatype range', () => {
      expect(
        rejection(typedRequest([{ name: 'age', datatype: 'INT8', shape: [2], contents: { int_contents: [5, 300] } }])),
      ).toBe('input "age": element 1 is 300, outside the INT8 range');
      expect(
        rejection(typedRequest([{ name: 'px', datatype: 'UINT8', shape: [1], contents: { uint_contents: [256] } }])),
      ).toBe('input "px": element 0 is 256, outside the UINT8 range');
    });

    it('a negative dimension', () => {
      expect(rejection(typedRequest([fp32({ fp32_contents: [1, 2] }, [-1, 2])]))).toBe(
        'input "features": shape [-1,2] must have non-negative dimensions',
      );
    });

    it('an input without data', () => {
      expect(rejection(typedRequest([{ name: 'features', datatype: 'FP32', shape: [2] }]))).toBe(
        'input "features": no data; set contents.fp32_contents or send raw_input_contents',
      );
    });

    it('a request whose shapes declare more elements than AVIARY_MAX_TENSOR_ELEMENTS, before decoding any', () => {
      const huge = { name: 'x', datatype: 'FP32', shape: [1_000_000, 1_000_000], contents: { fp32_contents: [1] } };
      expect(() => inferCommandFrom(received(typedRequest([huge])), LIMITS)).toThrow(
        "the inputs' shapes declare 1000000000000 elements, more than 1000, the limit set by AVIARY_MAX_TENSOR_ELEMENTS",
      );
      const raw = typedRequest([{ name: 'x', datatype: 'FP32', shape: [2 ** 40] }], {
        raw_input_contents: [new Uint8Array(8)],
      });
      expect(() => inferCommandFrom(received(raw), LIMITS)).toThrow(/AVIARY_MAX_TENSOR_ELEMENTS/);
    });

    it('a BYTES element longer than AVIARY_MAX_STRING_BYTES, typed or raw', () => {
      const long = new Uint8Array(65).fill(0x61);
      const typed = typedRequest([{ name: 's', datatype: 'BYTES', shape: [1], contents: { bytes_contents: [long] } }]);
      expect(() => inferCommandFrom(received(typed), LIMITS)).toThrow(/input "s" has a BYTES element longer than 64/);
      const raw = typedRequest([{ name: 's', datatype: 'BYTES', shape: [1] }], {
        raw_input_contents: [toRawBytes('BYTES', ['a'.repeat(65)])],
      });
      expect(() => inferCommandFrom(received(raw), LIMITS)).toThrow(/AVIARY_MAX_STRING_BYTES/);
    });

    it('an input without a name or a request without inputs', () => {
      expect(rejection(typedRequest([{ datatype: 'FP32', shape: [1], contents: { fp32_contents: [1] } }]))).toBe(
        'input 0 has no name',
      );
      expect(rejection(typedRequest([]))).toBe('inference request has no inputs');
    });
  });
});

describe('inferResponseFrom', () => {
  const result = (outputs: Tensor[]) => ({ model: 'flight-delay', version: '2', id: 'req-1', outputs });

  it.each(TYPED)(
    'answers $datatype outputs in contents.$field when the request was typed',
    ({ datatype, field, wire, data }) => {
      const response = answered(inferResponseFrom(result([{ name: 'y', datatype, shape: [3], data }]), { raw: false }));
      expect(response.raw_output_contents).toEqual([]);
      expect(response.outputs).toHaveLength(1);
      const [output] = response.outputs;
      expect(output).toMatchObject({ name: 'y', datatype, shape: ['3'] });
      // Float32 values come back as the nearest double of the float, which is what was sent.
      expect(output.contents?.[field]).toEqual(
        datatype === 'FP32' ? Array.from(new Float32Array(wire as number[])) : wire,
      );
    },
  );

  it('answers every datatype in raw_output_contents when the request was raw', () => {
    const response = answered(inferResponseFrom(result(EVERY_DATATYPE), { raw: true }));
    expect(response.outputs.map((o) => o.contents)).toEqual(EVERY_DATATYPE.map(() => null));
    const decoded = response.outputs.map((o, i) =>
      fromRawBytes(o.datatype as Datatype, o.shape.map(Number), response.raw_output_contents[i], o.name),
    );
    expect(decoded).toEqual(EVERY_DATATYPE.map((t) => t.data));
  });

  it('answers raw when an output is FP16, which typed contents cannot carry', () => {
    const scores: Tensor = { name: 'scores', datatype: 'FP32', shape: [1], data: new Float32Array([0.5]) };
    const response = answered(inferResponseFrom(result([scores, FP16]), { raw: false }));
    expect(response.outputs.every((o) => o.contents === null)).toBe(true);
    expect(response.raw_output_contents.map((b) => Buffer.from(b))).toEqual([
      Buffer.from(toRawBytes('FP32', scores.data)),
      Buffer.from(toRawBytes('FP16', FP16.data)),
    ]);
  });

  it('sends INT64 and UINT64 beyond 2^53 exactly, as 64-bit integers on the wire', () => {
    const ids: Tensor = {
      name: 'ids',
      datatype: 'INT64',
      shape: [2],
      data: new BigInt64Array([2n ** 53n + 1n, -(2n ** 63n)]),
    };
    const counts: Tensor = {
      name: 'counts',
      datatype: 'UINT64',
      shape: [1],
      data: new BigUint64Array([2n ** 64n - 1n]),
    };
    const response = answered(inferResponseFrom(result([ids, counts]), { raw: false }));
    expect(response.outputs[0].contents?.int64_contents).toEqual(['9007199254740993', '-9223372036854775808']);
    expect(response.outputs[1].contents?.uint64_contents).toEqual(['18446744073709551615']);
  });

  it('echoes model, version and id, with shapes as int64', () => {
    const response = answered(
      inferResponseFrom(result([{ name: 'y', datatype: 'FP32', shape: [2, 0], data: new Float32Array(0) }]), {
        raw: false,
      }),
    );
    expect(response).toMatchObject({ model_name: 'flight-delay', model_version: '2', id: 'req-1' });
    expect(response.outputs[0].shape).toEqual(['2', '0']);
  });

  it('gives back what it was sent, for every datatype, typed and raw', () => {
    const typedInputs = TYPED.map((t) => ({
      name: t.datatype,
      datatype: t.datatype,
      shape: [3],
      contents: { [t.field]: t.wire },
    }));
    const echo = (request: object) => {
      const { command, raw } = inferCommandFrom(received(request), LIMITS);
      return answered(inferResponseFrom(result(command.inputs), { raw }));
    };
    const typed = echo(typedRequest(typedInputs));
    expect(typed.outputs.map((o, i) => o.contents?.[TYPED[i].field])).toEqual(
      TYPED.map((t) => (t.datatype === 'FP32' ? Array.from(new Float32Array(t.wire as number[])) : t.wire)),
    );

    const rawBytes = EVERY_DATATYPE.map((t) => toRawBytes(t.datatype, t.data));
    const raw = echo(
      typedRequest(
        EVERY_DATATYPE.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
        { raw_input_contents: rawBytes },
      ),
    );
    expect(raw.raw_output_contents.map((b) => Buffer.from(b))).toEqual(rawBytes.map((b) => Buffer.from(b)));
  });
});
