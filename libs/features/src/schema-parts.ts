// Schema pieces shared by a pipeline definition and its fitted FeatureSpec: raw inputs, datetime parts, prediction contract.
import { z } from 'zod';

export const INPUT_TYPES = ['number', 'string', 'datetime', 'bool'] as const;
export type InputType = (typeof INPUT_TYPES)[number];

/** The raw input type each transform kind reads. */
export const TRANSFORM_INPUT_TYPE = {
  numeric: 'number',
  categorical: 'string',
  datetime: 'datetime',
  bool: 'bool',
} as const satisfies Record<string, InputType>;
export type TransformKind = keyof typeof TRANSFORM_INPUT_TYPE;

export const DATETIME_PARTS = ['hour', 'dayOfWeek', 'month'] as const;
export type DatetimePart = (typeof DATETIME_PARTS)[number];
export const DATETIME_ENCODINGS = ['cyclical', 'oneHot'] as const;

const name = z.string().min(1, 'must not be empty');

/** One field of a raw record, as a gateway documents it to callers. */
export const inputFieldSchema = z.strictObject({
  name,
  type: z.enum(INPUT_TYPES),
  required: z.boolean(),
  description: z.string().optional(),
});
export type InputField = z.infer<typeof inputFieldSchema>;

/**
 * A feature toggle: the key of a boolean flag in the model flag set. Where the flag is off for a request's context,
 * the transform reads each record's value as missing, so its columns take the fitted default.
 */
export const enabledBySchema = z.string().min(1, 'must name a flag').optional();

/** A datetime transform fits nothing (a missing datetime only zeroes its columns), so it has no default to fall back on. */
export const datetimeEnabledBySchema = z
  .never({
    error: 'a datetime transform cannot be toggled: it has no fitted default for its columns to fall back on',
  })
  .optional();

export const datetimePartSchema = z.strictObject({
  part: z.enum(DATETIME_PARTS),
  encoding: z.enum(DATETIME_ENCODINGS),
});
export type DatetimePartEncoding = z.infer<typeof datetimePartSchema>;

/** How to read a classifier's outputs; for a binary task classes[1] is the positive class. */
export const classifierPredictionSchema = z
  .strictObject({
    task: z.enum(['binary', 'multiclass']),
    classes: z.array(name).min(2),
    labelOutput: name,
    probabilityOutput: name,
  })
  .superRefine((p, ctx) => {
    if (p.task === 'binary' && p.classes.length !== 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['classes'],
        message: `a binary task has exactly 2 classes, got ${p.classes.length}`,
      });
    }
    const duplicate = firstDuplicate(p.classes);
    if (duplicate !== undefined)
      ctx.addIssue({ code: 'custom', path: ['classes'], message: `duplicate class "${duplicate}"` });
    if (p.labelOutput === p.probabilityOutput) {
      ctx.addIssue({
        code: 'custom',
        path: ['labelOutput'],
        message: 'labelOutput and probabilityOutput must name different outputs',
      });
    }
  });
export type ClassifierPredictionSpec = z.infer<typeof classifierPredictionSchema>;

/** A regressor answers one number per record, read from `valueOutput` (FP32/FP64 [N] or [N, 1]). */
export const regressionPredictionSchema = z.strictObject({
  task: z.literal('regression'),
  valueOutput: name,
});
export type RegressionPredictionSpec = z.infer<typeof regressionPredictionSchema>;

/** How to read the model's outputs, by task. */
export const predictionSchema = z.discriminatedUnion('task', [classifierPredictionSchema, regressionPredictionSchema]);
export type PredictionSpec = z.infer<typeof predictionSchema>;

interface TransformRef {
  kind: TransformKind;
  input: string;
  parts?: readonly DatetimePartEncoding[];
}

/**
 * Cross-field checks common to definitions and specs: unique inputs, each transform reads a declared input of its
 * type, no datetime part listed twice. Returns whether all passed.
 */
export function checkInputsAndTransforms(
  inputs: readonly { name: string; type: InputType }[],
  transforms: readonly TransformRef[],
  ctx: z.RefinementCtx,
): boolean {
  let ok = true;
  const fail = (path: (string | number)[], message: string) => {
    ok = false;
    ctx.addIssue({ code: 'custom', path, message });
  };
  const types = new Map<string, InputType>();
  inputs.forEach((input, i) => {
    if (types.has(input.name)) fail(['inputs', i, 'name'], `duplicate input "${input.name}"`);
    types.set(input.name, input.type);
  });
  transforms.forEach((t, i) => {
    const type = types.get(t.input);
    if (type === undefined) {
      const declared = inputs.map((input) => input.name).join(', ');
      fail(['transforms', i, 'input'], `unknown input "${t.input}"; declared: ${declared}`);
    } else if (type !== TRANSFORM_INPUT_TYPE[t.kind]) {
      fail(
        ['transforms', i, 'input'],
        `a ${t.kind} transform reads a ${TRANSFORM_INPUT_TYPE[t.kind]} input, but "${t.input}" is ${type}`,
      );
    }
    const seen = new Set<string>();
    for (const p of t.parts ?? []) {
      const key = `${p.part}/${p.encoding}`;
      if (seen.has(key)) fail(['transforms', i, 'parts'], `part ${p.part} is listed twice as ${p.encoding}`);
      seen.add(key);
    }
  });
  return ok;
}

export function firstDuplicate(values: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) return value;
    seen.add(value);
  }
  return undefined;
}
