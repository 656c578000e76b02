import { rejection } from '@aviary/testing';
import { binaryOutputsOf, encodeInferResponse, splitBinaryBody, tensorsFromRequest } from './oip-binary';
import { OipInferRequest } from './oip';
import { RequestLimits } from './request-limits';
import { Tensor } from './tensor';

const header = (json: object) => Buffer.from(JSON.stringify(json));
const LIMITS: RequestLimits = {
  AVIARY_MAX_JSON_DEPTH: 8,
  AVIARY_MAX_PREDICT_RECORDS: 10,
  AVIARY_MAX_TENSOR_ELEMENTS: 10,
  AVIARY_MAX_STRING_BYTES: 16,
};

describe('OIP binary tensor data extension', () => {
  it('splits the body at Inference-Header-Content-Length and reads inputs from the tail in order', () => {
    const floats = new Float32Array([1.5, -2]);
    const words = Buffer.from([3, 0, 0, 0, 0x61, 0x62, 0x63, 0, 0, 0, 0]);
    const json = header({
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } },
        { name: 'n', datatype: 'INT32', shape: [1], data: [7] },
        { name: 's', datatype: 'BYTES', shape: [2], parameters: { binary_data_size: words.length } },
      ],
    });
    const { json: request, tail } = splitBinaryBody(
      Buffer.concat([json, Buffer.from(floats.buffer), words]),
      String(json.length),
      LIMITS,
    );
    const [x, n, s] = tensorsFromRequest(request as OipInferRequest, tail);
    expect(Array.from(x.data as Float32Array)).toEqual([1.5, -2]);
    expect(Array.from(n.data as Int32Array)).toEqual([7]);
    expect(s.data).toEqual(['abc', '']);
  });

  it('checks the JSON header, not the binary tail, against the request limits', () => {
    const json = header({ inputs: [{ name: 'x', datatype: 'BYTES', shape: [1], data: [[[[[[[[['deep']]]]]]]]] }] });
    expect(rejection(() => splitBinaryBody(json, String(json.length), LIMITS)).message).toMatch(
      /AVIARY_MAX_JSON_DEPTH/,
    );
    const tail = Buffer.from('[[[[[[[[[[[[');
    const flat = header({ inputs: [] });
    expect(splitBinaryBody(Buffer.concat([flat, tail]), String(flat.length), LIMITS).tail).toEqual(
      new Uint8Array(tail),
    );
  });

  it('rejects a bad header length, bytes past the end, unclaimed bytes and data given twice', () => {
    const body = Buffer.concat([header({ inputs: [] }), Buffer.alloc(4)]);
    expect(rejection(() => splitBinaryBody(body, 'abc', LIMITS)).message).toMatch(
      /inference-header-content-length must be a byte count/,
    );
    expect(rejection(() => splitBinaryBody(body, '3', LIMITS)).message).toMatch(/not a JSON inference request/);
    const input = { name: 'x', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } };
    expect(rejection(() => tensorsFromRequest({ inputs: [input] }, new Uint8Array(4))).message).toMatch(
      /runs past the end/,
    );
    expect(rejection(() => tensorsFromRequest({ inputs: [input] }, new Uint8Array(12))).message).toMatch(
      /4 bytes of binary data that no input claims/,
    );
    expect(
      rejection(() => tensorsFromRequest({ inputs: [{ ...input, data: [1, 2] }] }, new Uint8Array(8))).message,
    ).toMatch(/not both/);
  });

  it('answers binary outputs as header + raw bytes and the others as JSON', () => {
    const outputs: Tensor[] = [
      { name: 'p', datatype: 'FP32', shape: [2], data: new Float32Array([0.25, 0.75]) },
      { name: 'label', datatype: 'INT64', shape: [1], data: new BigInt64Array([1n]) },
    ];
    const wantsP = binaryOutputsOf({
      inputs: [],
      outputs: [{ name: 'p', parameters: { binary_data: true } }, { name: 'label' }],
    });
    const encoded = encodeInferResponse({ model_name: 'm', model_version: '1' }, outputs, wantsP);
    if (!('headerLength' in encoded)) throw new Error('expected a binary response');
    const head = JSON.parse(encoded.body.subarray(0, encoded.headerLength).toString());
    expect(head.outputs).toEqual([
      { name: 'p', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } },
      { name: 'label', datatype: 'INT64', shape: [1], data: [1] },
    ]);
    expect(Array.from(new Float32Array(new Uint8Array(encoded.body.subarray(encoded.headerLength)).buffer))).toEqual([
      0.25, 0.75,
    ]);
    expect(encodeInferResponse({ model_name: 'm', model_version: '1' }, outputs, () => false)).toMatchObject({
      outputs: [{ data: [0.25, 0.75] }, { data: [1] }],
    });
    expect(binaryOutputsOf({ inputs: [], parameters: { binary_data_output: true } })('anything')).toBe(true);
  });
});
