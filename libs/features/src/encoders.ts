// Each fitted transform compiled into a closure that writes its columns for one record; lookups are precomputed here
// so the per-record work is arithmetic and one Map lookup per categorical input.
import { DATETIME_PART_INFO, WallClock } from './datetime';
import { hasMissingSlot, transformFeatureNames } from './layout';
import type { InputValue } from './record-reader';
import type { InputField } from './schema-parts';
import type { BoolTransform, CategoricalTransform, DatetimeTransform, NumericTransform, TransformSpec } from './spec';

/** Writes one transform's columns of one row into a zero-filled `out`, starting at `base` (the row's first column). */
export type Encoder = (values: readonly InputValue[], out: Float32Array, base: number) => void;

/** log1p that mirrors around zero, so negative inputs (early arrivals, refunds) stay valid and ordered. */
export const signedLog1p = (x: number) => (x < 0 ? -Math.log1p(-x) : Math.log1p(x));

export interface EncoderPlacement {
  /** Index of the transform's input in the spec's inputs (and in the reader's values). */
  inputIndex: number;
  input: InputField;
  /** First output column the transform writes. */
  column: number;
}

export function compileEncoder(t: TransformSpec, placement: EncoderPlacement): Encoder {
  switch (t.kind) {
    case 'numeric':
      return numericEncoder(t, placement);
    case 'categorical':
      return categoricalEncoder(t, placement);
    case 'datetime':
      return datetimeEncoder(t, placement);
    case 'bool':
      return boolEncoder(t, placement);
  }
}

export const encoderWidth = (t: TransformSpec, input: InputField) => transformFeatureNames(t, input).length;

function numericEncoder(
  { log1p, impute, mean, std }: NumericTransform,
  { inputIndex, column }: EncoderPlacement,
): Encoder {
  return (values, out, base) => {
    const value = values[inputIndex];
    const x = typeof value === 'number' ? value : impute;
    out[base + column] = ((log1p ? signedLog1p(x) : x) - mean) / std;
  };
}

function categoricalEncoder(t: CategoricalTransform, { inputIndex, input, column }: EncoderPlacement): Encoder {
  const slots = new Map(t.categories.map((category, slot) => [category, column + slot]));
  const other = column + t.categories.length;
  // Categories are sorted by training frequency, so slot 0 is the mode.
  const missing = hasMissingSlot(t, input) ? other + 1 : column;
  return (values, out, base) => {
    const value = values[inputIndex];
    out[base + (typeof value === 'string' ? (slots.get(value) ?? other) : missing)] = 1;
  };
}

function datetimeEncoder(t: DatetimeTransform, { inputIndex, column }: EncoderPlacement): Encoder {
  let next = column;
  const writers = t.parts.map(({ part, encoding }): ((clock: WallClock, out: Float32Array, base: number) => void) => {
    const info = DATETIME_PART_INFO[part];
    const at = next;
    next += encoding === 'cyclical' ? 2 : info.labels.length;
    if (encoding === 'oneHot') {
      return (clock, out, base) => {
        out[base + at + info.index(clock)] = 1;
      };
    }
    const radians = (2 * Math.PI) / info.labels.length;
    return (clock, out, base) => {
      const angle = info.phase(clock) * radians;
      out[base + at] = Math.sin(angle);
      out[base + at + 1] = Math.cos(angle);
    };
  });
  // A missing optional datetime leaves its columns at 0: the centre of each cycle, and no one-hot slot set.
  return (values, out, base) => {
    const value = values[inputIndex];
    if (value === null || typeof value !== 'object') return;
    for (const write of writers) write(value, out, base);
  };
}

function boolEncoder({ impute }: BoolTransform, { inputIndex, column }: EncoderPlacement): Encoder {
  return (values, out, base) => {
    const value = values[inputIndex];
    out[base + column] = (typeof value === 'boolean' ? value : impute) ? 1 : 0;
  };
}
