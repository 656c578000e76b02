// Strict validation of raw records against a spec's declared inputs. Error messages name the input and the row,
// counted from 0 in the order the records were given.
import { describeValue, invalid } from '@aviary/contracts';
import { newWallClock, parseDatetime, WallClock } from './datetime';
import type { InputField } from './schema-parts';

/** One parsed input value; null when an optional input is missing (absent or null). */
export type InputValue = number | string | boolean | WallClock | null;

export interface RecordReaderOptions {
  /** Online records must hold declared inputs only; training rows also carry labels and other columns. */
  rejectUnknown: boolean;
}

/** Reads one record at a time into `values` (by input index), reusing its buffers so a read allocates nothing. */
export class RecordReader {
  readonly values: InputValue[];
  private readonly declared: Set<string>;
  private readonly expected: string;
  private readonly clocks: WallClock[];

  constructor(
    private readonly inputs: readonly InputField[],
    private readonly options: RecordReaderOptions,
  ) {
    this.values = inputs.map(() => null);
    this.declared = new Set(inputs.map((i) => i.name));
    this.expected = inputs.map((i) => i.name).join(', ');
    this.clocks = inputs.map(() => newWallClock());
  }

  read(record: unknown, row: number): void {
    if (!isPlainObject(record))
      throw invalid(`each record must be a JSON object, got ${describeValue(record)} (row ${row})`);
    if (this.options.rejectUnknown) {
      for (const key in record) {
        if (!this.declared.has(key)) throw invalid(`unknown input "${key}" (row ${row}); expected: ${this.expected}`);
      }
    }
    for (let i = 0; i < this.inputs.length; i++) {
      const name = this.inputs[i].name;
      // Own properties only: an input named "toString" must not read Object.prototype.
      this.readValue(i, Object.hasOwn(record, name) ? record[name] : undefined, row);
    }
  }

  /**
   * Reads row `at` of columns given in input order (undefined: the column is absent), as `read` reads a record with
   * those values; the columnar batch path, which never builds records.
   */
  readColumns(columns: readonly (ArrayLike<unknown> | undefined)[], at: number, row: number): void {
    for (let i = 0; i < this.inputs.length; i++) this.readValue(i, columns[i]?.[at], row);
  }

  private readValue(i: number, raw: unknown, row: number): void {
    const input = this.inputs[i];
    if (raw === undefined || raw === null) {
      if (input.required) {
        throw invalid(
          raw === null
            ? `input "${input.name}" is required, got null (row ${row})`
            : `missing input "${input.name}" (row ${row})`,
        );
      }
      this.values[i] = null;
    } else {
      this.values[i] = this.parse(input, raw, i, row);
    }
  }

  private parse(input: InputField, raw: unknown, index: number, row: number): InputValue {
    switch (input.type) {
      case 'number':
        if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
        throw mistyped(input, typeof raw === 'number' ? 'a finite number' : 'a number', raw, row);
      case 'string':
        if (typeof raw === 'string') return raw;
        throw mistyped(input, 'a string', raw, row);
      case 'bool':
        if (typeof raw === 'boolean') return raw;
        throw mistyped(input, 'a boolean', raw, row);
      case 'datetime': {
        const clock = this.clocks[index];
        if (typeof raw === 'string' && parseDatetime(raw, clock)) return clock;
        throw mistyped(input, 'a datetime such as "2001/01/14 21:55" or ISO 8601 "2001-01-14T21:55:00Z"', raw, row);
      }
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const mistyped = (input: InputField, what: string, raw: unknown, row: number) =>
  invalid(`input "${input.name}" must be ${what}, got ${describeValue(raw)} (row ${row})`);
