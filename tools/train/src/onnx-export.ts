// Writes the trained linear models as small ONNX graphs. A LinearClassifier: features [N, D] → MatMul → Add → Softmax
// → probabilities [N, C], plus ArgMax → label [N] (int64 class index). A LinearRegressor: features [N, D] → MatMul →
// Add → value [N, 1]. Encoding is deterministic: the same model gives the same bytes.
import { onnx } from 'onnx-proto';
import type { LinearClassifier } from './linear-classifier';
import type { LinearRegressor } from './linear-regressor';

export const OPSET_VERSION = 13;
export const IR_VERSION = 8;

interface ModelIdentity {
  /** Graph name and model metadata. */
  modelName: string;
  modelVersion: number;
  inputName: string;
}

export interface OnnxExportOptions extends ModelIdentity {
  probabilityOutput: string;
  labelOutput: string;
  classes: readonly string[];
}

const { FLOAT, INT64 } = onnx.TensorProto.DataType;
const { INT } = onnx.AttributeProto.AttributeType;

export function exportLinearClassifier(model: LinearClassifier, options: OnnxExportOptions): Uint8Array {
  const { inputs: d, classes: c } = model;
  if (options.classes.length !== c)
    throw new Error(`the model has ${c} classes, ${options.classes.length} class names were given`);
  const graph: onnx.IGraphProto = {
    initializer: [floatTensor('weights', [d, c], model.weights), floatTensor('bias', [c], model.bias)],
    node: [
      ...affineNodes(options.inputName, 'logits'),
      {
        opType: 'Softmax',
        name: 'softmax',
        input: ['logits'],
        output: [options.probabilityOutput],
        attribute: [intAttribute('axis', 1)],
      },
      {
        opType: 'ArgMax',
        name: 'argmax',
        input: [options.probabilityOutput],
        output: [options.labelOutput],
        attribute: [intAttribute('axis', 1), intAttribute('keepdims', 0)],
      },
    ],
    input: [valueInfo(options.inputName, FLOAT, ['N', d])],
    output: [valueInfo(options.probabilityOutput, FLOAT, ['N', c]), valueInfo(options.labelOutput, INT64, ['N'])],
  };
  return encodeModel(graph, options, {
    docString: `${options.modelName} v${options.modelVersion}: softmax regression over ${d} features; label indexes classes`,
    metadataProps: [{ key: 'aviary.classes', value: JSON.stringify(options.classes) }],
  });
}

export function exportLinearRegressor(
  model: LinearRegressor,
  options: ModelIdentity & { valueOutput: string },
): Uint8Array {
  const d = model.inputs;
  const graph: onnx.IGraphProto = {
    initializer: [
      floatTensor('weights', [d, 1], model.weights),
      floatTensor('bias', [1], new Float32Array([model.bias])),
    ],
    node: affineNodes(options.inputName, options.valueOutput),
    input: [valueInfo(options.inputName, FLOAT, ['N', d])],
    output: [valueInfo(options.valueOutput, FLOAT, ['N', 1])],
  };
  return encodeModel(graph, options, {
    docString: `${options.modelName} v${options.modelVersion}: linear regression over ${d} features`,
  });
}

/** input · weights + bias, reading the initializers named "weights" and "bias". */
const affineNodes = (input: string, output: string): onnx.INodeProto[] => [
  { opType: 'MatMul', name: 'matmul', input: [input, 'weights'], output: ['scores'] },
  { opType: 'Add', name: 'add_bias', input: ['scores', 'bias'], output: [output] },
];

function encodeModel(
  graph: onnx.IGraphProto,
  { modelName, modelVersion }: ModelIdentity,
  { docString, metadataProps }: Pick<onnx.IModelProto, 'docString' | 'metadataProps'>,
): Uint8Array {
  const proto: onnx.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET_VERSION }],
    producerName: 'aviary-train',
    modelVersion,
    docString,
    graph: { ...graph, name: modelName },
    metadataProps,
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(proto)).finish();
}

function floatTensor(name: string, dims: number[], values: Float32Array): onnx.ITensorProto {
  // raw_data is little-endian by the ONNX spec, whatever the machine.
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  values.forEach((value, i) => view.setFloat32(i * 4, value, true));
  return { name, dims, dataType: FLOAT, rawData: raw };
}

const intAttribute = (name: string, value: number): onnx.IAttributeProto => ({ name, type: INT, i: value });

/** A tensor value info; string dimensions are symbolic (the dynamic batch size). */
function valueInfo(name: string, elemType: number, dims: (number | string)[]): onnx.IValueInfoProto {
  const dim = dims.map((value) => (typeof value === 'string' ? { dimParam: value } : { dimValue: value }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}
