// The inputs and outputs a model version declares, and the check an inference request must pass against them:
// the replica runs it before ONNX Runtime sees the tensors, the gateway before requests join a batch.
import { elementCount, formatTensorList, invalid, Tensor, TensorMetadata } from '@aviary/contracts';

export interface ModelSignature {
  readonly inputs: readonly TensorMetadata[];
  readonly outputs: readonly TensorMetadata[];
}

/**
 * Checks every input's name, element count, datatype and shape against the signature, and that each wanted output
 * exists; answers the outputs to compute, in order (all of them when none are named).
 */
export function checkInferRequest(
  signature: ModelSignature,
  inputs: readonly Tensor[],
  outputNames?: readonly string[],
): string[] {
  const given = new Set<string>();
  for (const tensor of inputs) {
    const expected = signature.inputs.find((i) => i.name === tensor.name);
    if (!expected)
      throw invalid(`unexpected input "${tensor.name}"; the model takes ${formatTensorList(signature.inputs)}`);
    if (given.has(tensor.name)) throw invalid(`input "${tensor.name}" is given twice`);
    given.add(tensor.name);
    checkTensor(tensor, expected);
  }
  const missing = signature.inputs.filter((i) => !given.has(i.name)).map((i) => `"${i.name}"`);
  if (missing.length)
    throw invalid(`missing input ${missing.join(', ')}; the model takes ${formatTensorList(signature.inputs)}`);
  const outputs = signature.outputs.map((o) => o.name);
  const wanted = outputNames?.length ? [...outputNames] : outputs;
  for (const name of wanted) {
    if (!outputs.includes(name)) throw invalid(`unknown output "${name}"; the model returns ${outputs.join(', ')}`);
  }
  return wanted;
}

function checkTensor(tensor: Tensor, expected: TensorMetadata): void {
  const count = elementCount(tensor.shape);
  if (tensor.data.length !== count) {
    throw invalid(
      `input "${tensor.name}": shape [${tensor.shape.join(',')}] needs ${count} elements, got ${tensor.data.length}`,
    );
  }
  if (tensor.datatype !== expected.datatype) {
    throw invalid(`input "${tensor.name}" must be ${expected.datatype}, got ${tensor.datatype}`);
  }
  const fits =
    tensor.shape.length === expected.shape.length && expected.shape.every((d, i) => d === -1 || d === tensor.shape[i]);
  if (!fits) {
    throw invalid(
      `input "${tensor.name}" has shape [${tensor.shape.join(',')}]; the model expects [${expected.shape.join(',')}] (-1 = any size)`,
    );
  }
}
