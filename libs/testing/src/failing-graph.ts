// An honest fault for rollout tests: a copy of a model whose graph fails at run time on some inputs (when one input
// column exceeds a threshold), as a broken export would, while it loads, warms up and answers every other input.
import { onnx } from 'onnx-proto';

export interface FailingGraphOptions {
  /** The [N, K] float input whose column decides. */
  input: string;
  column: number;
  /** Rows whose column is above this make the whole run fail. */
  above: number;
  /** The float output the failure is wired into (so ONNX Runtime cannot prune it away). */
  output: string;
}

/**
 * Gathers from a one-element table at index (column > above): index 1 is out of bounds, so ONNX Runtime's Gather
 * fails the run; index 0 multiplies the output by 1, leaving every answer as it was.
 */
export function failingGraph(bytes: Uint8Array, o: FailingGraphOptions): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph!;
  const raw = `${o.output}__before_fault`;
  for (const node of graph.node ?? []) node.output = (node.output ?? []).map((n) => (n === o.output ? raw : n));
  const f = (name: string) => `fault__${name}`;
  const floats = (name: string, dims: number[], values: number[]) =>
    onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: values });
  const ints = (name: string, values: number[]) =>
    onnx.TensorProto.create({
      name,
      dims: [values.length],
      dataType: onnx.TensorProto.DataType.INT64,
      int64Data: values,
    });
  graph.initializer = [
    ...(graph.initializer ?? []),
    ints(f('start'), [o.column]),
    ints(f('end'), [o.column + 1]),
    ints(f('axis'), [1]),
    floats(f('threshold'), [], [o.above]),
    floats(f('table'), [1], [1]),
  ];
  const node = (opType: string, input: string[], output: string, attribute: onnx.IAttributeProto[] = []) =>
    onnx.NodeProto.create({ opType, input, output: [output], name: output, attribute });
  graph.node = [
    ...(graph.node ?? []),
    node('Slice', [o.input, f('start'), f('end'), f('axis')], f('column')),
    node('Greater', [f('column'), f('threshold')], f('above')),
    node('Cast', [f('above')], f('index'), [
      onnx.AttributeProto.create({
        name: 'to',
        type: onnx.AttributeProto.AttributeType.INT,
        i: onnx.TensorProto.DataType.INT64,
      }),
    ]),
    node('Gather', [f('table'), f('index')], f('factor')),
    node('Mul', [raw, f('factor')], o.output),
  ];
  return onnx.ModelProto.encode(model).finish();
}
