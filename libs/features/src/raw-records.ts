// Predict on raw records for a model pushed without a feature spec: each record's keys are the model's input
// names, each value typed by that input's datatype; outputs come back per record, keyed by output name.
import {
  describeValue,
  elementCount,
  invalid,
  Tensor,
  TensorMetadata,
  tensorFromValues,
  tensorToJson,
} from '@aviary/contracts';

/** One record per row: inputs shaped [-1] or [-1, 1] take a scalar, [-1, k] an array of k, and so on. */
export function recordsToTensors(inputs: readonly TensorMetadata[], records: readonly unknown[]): Tensor[] {
  if (records.length === 0) throw invalid('at least one record is needed');
  const expected = inputs.map((i) => i.name);
  records.forEach((record, row) => {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw invalid(
        `record ${row} must be an object with the model's inputs (${expected.join(', ')}), got ${describeValue(record)}`,
      );
    }
    for (const key of Object.keys(record)) {
      if (!expected.includes(key))
        throw invalid(`unknown input "${key}" (row ${row}); expected: ${expected.join(', ')}`);
    }
  });
  return inputs.map((input) => columnTensor(input, records as Record<string, unknown>[]));
}

function columnTensor(input: TensorMetadata, records: readonly Record<string, unknown>[]): Tensor {
  if (input.shape.length === 0 || input.shape.slice(1).some((d) => d < 0)) {
    throw invalid(
      `input "${input.name}" has shape [${input.shape.join(',')}]: only the first (batch) dimension may vary for predict on records; use the OIP infer endpoint`,
    );
  }
  const rowShape = input.shape.slice(1);
  const perRow = elementCount(rowShape);
  const values: unknown[] = [];
  records.forEach((record, row) => {
    if (!(input.name in record) || record[input.name] === undefined)
      throw invalid(`missing input "${input.name}" (row ${row})`);
    const value = record[input.name];
    const flat = Array.isArray(value) ? value.flat(rowShape.length) : [value];
    if (flat.length !== perRow) {
      throw invalid(
        `input "${input.name}" needs ${perRow === 1 ? 'one value' : `${perRow} values (shape [${rowShape.join(',')}])`}, got ${describeValue(value)} (row ${row})`,
      );
    }
    values.push(...flat);
  });
  const shape = [records.length, ...rowShape];
  return tensorFromValues(input.name, input.datatype, shape, values, (i, expected) =>
    invalid(
      `input "${input.name}" must be ${expected}, got ${describeValue(values[i])} (row ${Math.floor(i / perRow)})`,
    ),
  );
}

/** Splits output tensors by their first dimension: one object per record, each output's row as a value or array. */
export function tensorsToRecords(outputs: readonly Tensor[]): Record<string, unknown>[] {
  if (outputs.length === 0) return [];
  const rows = outputs[0].shape[0] ?? 1;
  const columns = outputs.map((t) => {
    const { data } = tensorToJson(t);
    const perRow = elementCount(t.shape.slice(1));
    return { name: t.name, scalar: t.shape.length <= 1, perRow, data };
  });
  return Array.from({ length: rows }, (_, row) =>
    Object.fromEntries(
      columns.map((c) => [c.name, c.scalar ? c.data[row] : c.data.slice(row * c.perRow, (row + 1) * c.perRow)]),
    ),
  );
}
