// Fits a pipeline definition on training rows: medians, means, category frequencies and modes become a FeatureSpec.
import { invalid } from '@aviary/contracts';
import { parsePipelineDefinition, PipelineDefinition, ResolvedPipelineDefinition } from './definition';
import { signedLog1p } from './encoders';
import { featureNamesOf } from './layout';
import { InputValue, RecordReader } from './record-reader';
import { FEATURE_SPEC_VERSION, FeatureSpec, parseFeatureSpec, TransformSpec } from './spec';

type TransformDefinition = ResolvedPipelineDefinition['transforms'][number];
type Definition<K extends TransformDefinition['kind']> = Extract<TransformDefinition, { kind: K }>;

/**
 * Validates the definition and every training row (as strictly as serving does, except that extra columns such as
 * the label are ignored), then fits each transform on its input's column.
 */
export function fitFeatureSpec(definition: PipelineDefinition, rows: readonly Record<string, unknown>[]): FeatureSpec {
  const resolved = parsePipelineDefinition(definition);
  if (rows.length === 0) throw invalid('cannot fit a feature spec on zero rows');
  const columns = readColumns(resolved, rows);
  const inputIndex = new Map(resolved.inputs.map((input, i) => [input.name, i]));
  const transforms = resolved.transforms.map((t) => fitTransform(t, columns[inputIndex.get(t.input) as number]));
  return parseFeatureSpec({
    specVersion: FEATURE_SPEC_VERSION,
    inputs: resolved.inputs,
    transforms,
    output: { name: resolved.output, datatype: 'FP32' },
    featureNames: featureNamesOf(resolved.inputs, transforms),
    prediction: resolved.prediction,
  });
}

/** Parsed values by input index; datetime columns keep no values because nothing about them is fitted. */
function readColumns(definition: ResolvedPipelineDefinition, rows: readonly Record<string, unknown>[]): InputValue[][] {
  const reader = new RecordReader(definition.inputs, { rejectUnknown: false });
  const columns: InputValue[][] = definition.inputs.map(() => []);
  rows.forEach((row, r) => {
    reader.read(row, r);
    definition.inputs.forEach((input, i) => {
      if (input.type !== 'datetime') columns[i].push(reader.values[i]);
    });
  });
  return columns;
}

function fitTransform(t: TransformDefinition, column: readonly InputValue[]): TransformSpec {
  switch (t.kind) {
    case 'numeric':
      return fitNumeric(t, column);
    case 'categorical':
      return fitCategorical(t, column);
    case 'datetime':
      return { kind: 'datetime', input: t.input, parts: t.parts };
    case 'bool':
      return fitBool(t, column);
  }
}

function fitNumeric(t: Definition<'numeric'>, column: readonly InputValue[]): TransformSpec {
  const observed = column.filter((v): v is number => typeof v === 'number');
  if (observed.length === 0) throw invalid(`cannot fit numeric transform of "${t.input}": no training row has a value`);
  const impute = median(observed);
  const transformed = column.map((v) => {
    const x = typeof v === 'number' ? v : impute;
    return t.log1p ? signedLog1p(x) : x;
  });
  const mean = transformed.reduce((sum, x) => sum + x, 0) / transformed.length;
  const variance = transformed.reduce((sum, x) => sum + (x - mean) ** 2, 0) / transformed.length;
  // A constant column carries no signal; std 1 keeps it finite (it becomes 0) instead of dividing by zero.
  const std = variance > 1e-24 ? Math.sqrt(variance) : 1;
  return { kind: 'numeric', input: t.input, log1p: t.log1p, impute, mean, std, ...toggleOf(t) };
}

function fitCategorical(t: Definition<'categorical'>, column: readonly InputValue[]): TransformSpec {
  const counts = new Map<string, number>();
  for (const v of column) if (typeof v === 'string') counts.set(v, (counts.get(v) ?? 0) + 1);
  // Ties broken by code-unit order, not locale, so the layout is identical on every machine.
  const ranked = [...counts]
    .filter(([, n]) => n >= t.minCount)
    .sort(([a, na], [b, nb]) => nb - na || (a < b ? -1 : a > b ? 1 : 0));
  const categories = ranked.slice(0, t.topK ?? ranked.length).map(([category]) => category);
  if (categories.length === 0) {
    throw invalid(
      `cannot fit categorical transform of "${t.input}": no category occurs at least ${t.minCount} times in the training rows`,
    );
  }
  return { kind: 'categorical', input: t.input, categories, missing: t.missing, ...toggleOf(t) };
}

function fitBool(t: Definition<'bool'>, column: readonly InputValue[]): TransformSpec {
  let trues = 0;
  let falses = 0;
  for (const v of column) {
    if (v === true) trues++;
    else if (v === false) falses++;
  }
  return { kind: 'bool', input: t.input, impute: trues > falses, ...toggleOf(t) };
}

/** The author's toggle passes through unfitted; a transform without one gets no `enabledBy` key at all. */
const toggleOf = ({ enabledBy }: { enabledBy?: string }) => (enabledBy === undefined ? {} : { enabledBy });

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
