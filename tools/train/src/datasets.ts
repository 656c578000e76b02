// The demo datasets, read only from the vega-datasets npm package and turned into raw records (the fields a caller
// sends at serving time) plus a label per record. Raw rows are validated so a changed package fails loudly.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

/** A label is a class name for a classifier, a number for a regressor. */
export interface LabelledDataset<L extends string | number = string | number> {
  /** File inside vega-datasets/data. */
  file: string;
  /** vega-datasets package version the file came from. */
  packageVersion: string;
  /** Rows in the file. */
  totalRows: number;
  /** Rows left out because their label is missing. */
  droppedRows: number;
  records: Record<string, unknown>[];
  labels: L[];
}

export const DATASETS = {
  'flights-20k': () => loadFlights('flights-20k.json'),
  penguins: loadPenguins,
  cars: loadCars,
} satisfies Record<string, () => LabelledDataset>;

export type DatasetName = keyof typeof DATASETS;

/** A flight is "late" when it arrived more than this many minutes behind schedule. */
export const LATE_AFTER_MINUTES = 15;

const flightRowSchema = z.object({
  date: z.string(),
  delay: z.number(),
  distance: z.number(),
  origin: z.string(),
  destination: z.string(),
});

const penguinRowSchema = z.object({
  Species: z.string().nullable(),
  Island: z.string().nullable(),
  'Beak Length (mm)': z.number().nullable(),
  'Beak Depth (mm)': z.number().nullable(),
  'Flipper Length (mm)': z.number().nullable(),
  'Body Mass (g)': z.number().nullable(),
  Sex: z.string().nullable(),
});

const carRowSchema = z.object({
  Miles_per_Gallon: z.number().nullable(),
  Cylinders: z.number(),
  Displacement: z.number(),
  Horsepower: z.number().nullable(),
  Weight_in_lbs: z.number(),
  Acceleration: z.number(),
  Year: z.string().regex(/^\d{4}-/, 'a model year such as "1970-01-01"'),
  Origin: z.string(),
});

function loadFlights(file: string): LabelledDataset<string> {
  const rows = readRows(file, flightRowSchema);
  return {
    ...source(file),
    totalRows: rows.length,
    droppedRows: 0,
    records: rows.map(({ date, distance, origin, destination }) => ({ date, distance, origin, destination })),
    labels: rows.map((row) => (row.delay > LATE_AFTER_MINUTES ? 'late' : 'on-time')),
  };
}

/** Field names become snake_case inputs a caller can type; values (including the data's "." sex) stay as recorded. */
function loadPenguins(): LabelledDataset<string> {
  return withoutUnlabelled(
    'penguins.json',
    penguinRowSchema,
    (row) => row.Species,
    (row) => ({
      island: row.Island,
      beak_length_mm: row['Beak Length (mm)'],
      beak_depth_mm: row['Beak Depth (mm)'],
      flipper_length_mm: row['Flipper Length (mm)'],
      body_mass_g: row['Body Mass (g)'],
      sex: row.Sex,
    }),
  );
}

/**
 * Cars of model years 1970–1982; the label is fuel economy in miles per gallon, and rows without one are dropped.
 * Inputs become snake_case; the model year (a date on January 1st in the data) becomes a plain number such as 1976.
 */
function loadCars(): LabelledDataset<number> {
  return withoutUnlabelled(
    'cars.json',
    carRowSchema,
    (row) => row.Miles_per_Gallon,
    (row) => ({
      cylinders: row.Cylinders,
      displacement: row.Displacement,
      horsepower: row.Horsepower,
      weight_lbs: row.Weight_in_lbs,
      acceleration: row.Acceleration,
      model_year: Number(row.Year.slice(0, 4)),
      origin: row.Origin,
    }),
  );
}

/** Reads a file's rows, drops those whose label is missing, and turns the rest into raw records and labels. */
function withoutUnlabelled<T extends z.ZodType, L extends string | number>(
  file: string,
  row: T,
  labelOf: (row: z.infer<T>) => L | null,
  recordOf: (row: z.infer<T>) => Record<string, unknown>,
): LabelledDataset<L> {
  const rows = readRows(file, row);
  const labelled = rows.filter((r) => labelOf(r) !== null);
  return {
    ...source(file),
    totalRows: rows.length,
    droppedRows: rows.length - labelled.length,
    records: labelled.map(recordOf),
    labels: labelled.map((r) => labelOf(r) as L),
  };
}

// The package exports only its JS entry; its data folder sits next to the build folder that entry lives in.
const packageRoot = () => join(dirname(require.resolve('vega-datasets')), '..');

function source(file: string): Pick<LabelledDataset, 'file' | 'packageVersion'> {
  const { version } = z
    .object({ version: z.string() })
    .parse(JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')));
  return { file, packageVersion: version };
}

function readRows<T extends z.ZodType>(file: string, row: T): z.infer<T>[] {
  const json: unknown = JSON.parse(readFileSync(join(packageRoot(), 'data', file), 'utf8'));
  const parsed = z.array(row).safeParse(json);
  if (!parsed.success)
    throw new Error(
      `vega-datasets/data/${file} has an unexpected shape: ${parsed.error.issues[0].message} at ${parsed.error.issues[0].path.join('.')}`,
    );
  return parsed.data;
}
