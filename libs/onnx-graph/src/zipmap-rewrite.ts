// Reads ONNX graphs and rewrites scikit-learn's ZipMap outputs (sequences of maps, which onnxruntime-node cannot
// return) into the float probability tensors that feed them, keeping the class labels as model metadata.
import { invalid } from '@aviary/contracts';
import { onnx } from 'onnx-proto';

export const ZIPMAP_DOMAIN = 'ai.onnx.ml';

export type ClassLabel = string | number;

/** One graph output replaced by the probability tensor [N, C] that fed its ZipMap. */
export interface OutputRewrite {
  output: string;
  from: 'ZipMap';
  classLabels: ClassLabel[];
}

export interface GraphRewrite {
  /** The rewritten model, or the very bytes given when nothing was rewritten. */
  bytes: Uint8Array;
  rewrites: OutputRewrite[];
}

export type OutputKind = 'tensor' | 'sequence' | 'map' | 'optional' | 'sparse_tensor' | 'unknown';

export interface GraphOutput {
  name: string;
  kind: OutputKind;
  /** The node that produces the output, when a node does (an output may also be an input or an initializer). */
  producer?: { opType: string; domain: string };
}

/** Model metadata key under which a rewritten output's class labels are kept (JSON array, column order). */
export const classLabelsKey = (output: string) => `aviary.classes.${output}`;

const { FLOAT } = onnx.TensorProto.DataType;
const fromUtf8 = new TextDecoder();

/** What each graph output is and which node produces it. */
export function inspectOutputs(bytes: Uint8Array): GraphOutput[] {
  const { graph } = decodeModel(bytes);
  const producers = producersOf(graph);
  return (graph.output ?? []).map((output) => {
    const producer = producers.get(output.name ?? '');
    return {
      name: output.name ?? '',
      kind: kindOf(output.type),
      ...(producer && { producer: { opType: producer.opType ?? '', domain: producer.domain ?? '' } }),
    };
  });
}

/**
 * Replaces every graph output produced by a ZipMap with the tensor feeding that ZipMap, under the same output name.
 * A ZipMap whose output something else consumes, or whose input is not a plain node output, is left as it is.
 */
export function rewriteZipMapOutputs(bytes: Uint8Array): GraphRewrite {
  const { model, graph } = decodeModel(bytes);
  const rewrites: OutputRewrite[] = [];
  for (const output of graph.output ?? []) {
    const rewrite = rewriteOutput(graph, output);
    if (rewrite) rewrites.push(rewrite);
  }
  if (rewrites.length === 0) return { bytes, rewrites };
  model.metadataProps = [
    ...(model.metadataProps ?? []).filter((p) => !rewrites.some((r) => p.key === classLabelsKey(r.output))),
    ...rewrites.map((r) =>
      onnx.StringStringEntryProto.create({ key: classLabelsKey(r.output), value: JSON.stringify(r.classLabels) }),
    ),
  ];
  return { bytes: onnx.ModelProto.encode(model).finish(), rewrites };
}

function rewriteOutput(graph: onnx.IGraphProto, output: onnx.IValueInfoProto): OutputRewrite | undefined {
  const name = output.name ?? '';
  const nodes = graph.node ?? [];
  const zipMap = nodes.find((n) => n.opType === 'ZipMap' && n.domain === ZIPMAP_DOMAIN && n.output?.[0] === name);
  const fed = zipMap?.input?.[0];
  if (!zipMap || !fed) return undefined;
  const producer = nodes.find((n) => n.output?.includes(fed));
  const consumedElsewhere = nodes.some((n) => n !== zipMap && n.input?.includes(name));
  const fedIsBoundary =
    (graph.output ?? []).some((o) => o.name === fed) ||
    (graph.input ?? []).some((i) => i.name === fed) ||
    (graph.initializer ?? []).some((i) => i.name === fed);
  // Renaming is only safe when no subgraph could refer to the old name from an inner scope.
  const hasSubgraphs = nodes.some((n) => n.attribute?.some((a) => a.g || a.graphs?.length));
  if (!producer || consumedElsewhere || fedIsBoundary || hasSubgraphs) return undefined;
  const classLabels = classLabelsOf(zipMap);
  if (classLabels.length === 0) return undefined;

  // The tensor that fed the ZipMap takes the output's name, so clients keep asking for the same output.
  for (const node of nodes) {
    node.input = (node.input ?? []).map((i) => (i === fed ? name : i));
    node.output = (node.output ?? []).map((o) => (o === fed ? name : o));
  }
  graph.node = nodes.filter((n) => n !== zipMap);
  graph.valueInfo = (graph.valueInfo ?? []).filter((v) => v.name !== fed && v.name !== name);
  output.type = {
    tensorType: { elemType: FLOAT, shape: { dim: [batchDimension(graph, name), { dimValue: classLabels.length }] } },
  };
  return { output: name, from: 'ZipMap', classLabels };
}

/** The batch dimension of another tensor output (typically the label), else an unnamed one. */
function batchDimension(graph: onnx.IGraphProto, except: string): onnx.TensorShapeProto.IDimension {
  const other = (graph.output ?? []).find((o) => o.name !== except && o.type?.tensorType?.shape?.dim?.length);
  const first = other?.type?.tensorType?.shape?.dim?.[0];
  if (!first) return {};
  // toObject keeps only the fields that were set: a symbol, a fixed size, or neither.
  return onnx.TensorShapeProto.Dimension.toObject(onnx.TensorShapeProto.Dimension.fromObject(first), { longs: Number });
}

function classLabelsOf(zipMap: onnx.INodeProto): ClassLabel[] {
  const attributes = zipMap.attribute ?? [];
  const ints = attributes.find((a) => a.name === 'classlabels_int64s')?.ints;
  if (ints?.length) return ints.map(int64Label);
  const strings = attributes.find((a) => a.name === 'classlabels_strings')?.strings;
  return (strings ?? []).map((s) => fromUtf8.decode(s));
}

type Long = { toNumber(): number; toString(): string };

/** An int64 label as a number, or as its decimal string when a JavaScript number cannot hold it exactly. */
function int64Label(value: number | Long): ClassLabel {
  if (typeof value === 'number') return value;
  const asNumber = value.toNumber();
  return Number.isSafeInteger(asNumber) ? asNumber : value.toString();
}

function decodeModel(bytes: Uint8Array): { model: onnx.ModelProto; graph: onnx.IGraphProto } {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw invalid(`not a loadable ONNX model: the bytes are not an ONNX ModelProto (${(e as Error).message})`);
  }
  const graph = model.graph;
  if (!graph || !(graph.node ?? []).length) {
    throw invalid('not a loadable ONNX model: the bytes decode to a model without a graph of nodes');
  }
  return { model, graph };
}

function producersOf(graph: onnx.IGraphProto): Map<string, onnx.INodeProto> {
  const producers = new Map<string, onnx.INodeProto>();
  for (const node of graph.node ?? []) for (const output of node.output ?? []) producers.set(output, node);
  return producers;
}

function kindOf(type: onnx.ITypeProto | null | undefined): OutputKind {
  if (type?.tensorType) return 'tensor';
  if (type?.sequenceType) return 'sequence';
  if (type?.mapType) return 'map';
  if (type?.optionalType) return 'optional';
  if (type?.sparseTensorType) return 'sparse_tensor';
  return 'unknown';
}
