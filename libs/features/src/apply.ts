// Replays a FeatureSpec on raw records: the one code path that turns records into model inputs, online and in batch.
import { AviaryError, invalid, Tensor, TensorMetadata } from '@aviary/contracts';
import { compileEncoder, Encoder, encoderWidth } from './encoders';
import { InputValue, RecordReader } from './record-reader';
import type { FeatureSpec } from './spec';

/** Consecutive records that share which feature toggles are off (the records of one request, say). */
export interface ToggleRun {
  records: number;
  /** Flag keys of the toggles that are off for these records. */
  disabled: ReadonlySet<string>;
}

/** Records as columns: each input's raw values by name, `rows` long; an input without a column is missing in every row. */
export interface ColumnarRecords {
  rows: number;
  columns: ReadonlyMap<string, ArrayLike<unknown>>;
}

export interface EncodedColumns {
  /** The model's input tensor, FP32 [encoded.length, D]: the rows the spec accepts, in order. */
  tensors: Tensor[];
  /** Index (in the columns) of each tensor row. */
  encoded: Int32Array;
  /** The rows the spec rejects, with the message `apply` gives for that record alone at row `index`. */
  rejected: { index: number; reason: string }[];
}

/** A spec with its lookups built once; reuse it for every request. */
export interface CompiledFeatureSpec {
  readonly spec: FeatureSpec;
  /** Number of columns D of the output tensor. */
  readonly width: number;
  /** The flag keys the transforms are `enabledBy`, each once, in spec order; empty when nothing is toggled. */
  readonly toggles: readonly string[];
  /**
   * Validates every record strictly and returns the model's input tensor, FP32 [N, D]. With `runs` (covering the
   * records in order), a transform whose toggle is off for a run reads its records' values as missing.
   */
  apply(records: readonly unknown[], runs?: readonly ToggleRun[]): Tensor[];
  /**
   * The batch path: the same validation and encoders as `apply`, every toggle on, reading columns instead of records
   * (no per-row objects) and setting a rejected row aside instead of failing the whole call.
   */
  encodeColumns(records: ColumnarRecords): EncodedColumns;
}

export function compileFeatureSpec(spec: FeatureSpec): CompiledFeatureSpec {
  const reader = new RecordReader(spec.inputs, { rejectUnknown: true });
  // Columns hold the spec's inputs only, so there is nothing unknown to reject.
  const columnReader = new RecordReader(spec.inputs, { rejectUnknown: false });
  const inputIndex = new Map(spec.inputs.map((input, i) => [input.name, i]));
  let width = 0;
  const encoders: Encoder[] = spec.transforms.map((t) => {
    const index = inputIndex.get(t.input) as number;
    const placement = { inputIndex: index, input: spec.inputs[index], column: width };
    width += encoderWidth(t, spec.inputs[index]);
    return compileEncoder(t, placement);
  });
  const encoderCount = encoders.length;
  const toggleOf = spec.transforms.map((t) => t.enabledBy);
  const toggles = [...new Set(toggleOf.filter((flag) => flag !== undefined))];
  // A toggled-off transform runs its own encoder on a record whose every value is missing, so its columns get
  // exactly what a missing value gets (the fitted default) and the other transforms still read the real record.
  const missing: InputValue[] = spec.inputs.map(() => null);
  const encodersWithout = (disabled: ReadonlySet<string>): Encoder[] =>
    encoders.map((encode, e) => {
      const flag = toggleOf[e];
      return flag !== undefined && disabled.has(flag) ? (_values, out, base) => encode(missing, out, base) : encode;
    });

  const encodeRows = (records: readonly unknown[], from: number, to: number, use: Encoder[], out: Float32Array) => {
    for (let row = from; row < to; row++) {
      reader.read(records[row], row);
      const base = row * width;
      for (let e = 0; e < encoderCount; e++) use[e](reader.values, out, base);
    }
  };

  return {
    spec,
    width,
    toggles,
    apply(records, runs) {
      if (!Array.isArray(records) || records.length === 0)
        throw invalid('records must be a non-empty array of objects');
      const rows = records.length;
      const out = new Float32Array(rows * width);
      if (runs === undefined || toggles.length === 0) {
        encodeRows(records, 0, rows, encoders, out);
      } else {
        checkRuns(runs, rows);
        let row = 0;
        for (const run of runs) {
          const use = run.disabled.size === 0 ? encoders : encodersWithout(run.disabled);
          encodeRows(records, row, row + run.records, use, out);
          row += run.records;
        }
      }
      return [{ name: spec.output.name, datatype: 'FP32', shape: [rows, width], data: out }];
    },
    encodeColumns({ rows, columns }) {
      const byInput = spec.inputs.map((input) => columns.get(input.name));
      const out = new Float32Array(rows * width);
      const encoded = new Int32Array(rows);
      const rejected: EncodedColumns['rejected'] = [];
      let kept = 0;
      for (let row = 0; row < rows; row++) {
        try {
          columnReader.readColumns(byInput, row, row);
        } catch (e) {
          if (!(e instanceof AviaryError) || e.code !== 'INVALID_ARGUMENT') throw e;
          rejected.push({ index: row, reason: e.message });
          continue;
        }
        // Validation is whole before any encoder writes, so a rejected row leaves nothing behind in `out`.
        const base = kept * width;
        for (let e = 0; e < encoderCount; e++) encoders[e](columnReader.values, out, base);
        encoded[kept++] = row;
      }
      return {
        // A copy only when rows were rejected: a view into a larger buffer is not safe to hand to every runtime.
        tensors: [
          {
            name: spec.output.name,
            datatype: 'FP32',
            shape: [kept, width],
            data: kept === rows ? out : out.slice(0, kept * width),
          },
        ],
        encoded: encoded.subarray(0, kept),
        rejected,
      };
    },
  };
}

function checkRuns(runs: readonly ToggleRun[], rows: number): void {
  let covered = 0;
  for (const run of runs) {
    if (!Number.isInteger(run.records) || run.records < 1)
      throw invalid(`a toggle run must cover a positive whole number of records, got ${run.records}`);
    covered += run.records;
  }
  if (covered !== rows) throw invalid(`the toggle runs cover ${covered} records, but there are ${rows}`);
}

const compiled = new WeakMap<FeatureSpec, CompiledFeatureSpec>();

/** compileFeatureSpec + apply, compiling each spec object once (cached while the spec object lives). */
export function applyFeatureSpec(spec: FeatureSpec, records: readonly unknown[]): Tensor[] {
  let pipeline = compiled.get(spec);
  if (!pipeline) {
    pipeline = compileFeatureSpec(spec);
    compiled.set(spec, pipeline);
  }
  return pipeline.apply(records);
}

/** The model inputs a spec produces, for checking a spec against a model's declared inputs. */
export function featureTensorMetadata(spec: FeatureSpec): TensorMetadata[] {
  return [{ name: spec.output.name, datatype: 'FP32', shape: [-1, spec.featureNames.length] }];
}
