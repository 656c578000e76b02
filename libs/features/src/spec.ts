// The FeatureSpec: a fitted, versioned, JSON-serialisable feature pipeline, replayed identically online and in batch.
import { parseOrThrow } from '@aviary/contracts';
import { z } from 'zod';
import { featureNamesOf } from './layout';
import {
  checkInputsAndTransforms,
  datetimeEnabledBySchema,
  datetimePartSchema,
  enabledBySchema,
  firstDuplicate,
  inputFieldSchema,
  predictionSchema,
} from './schema-parts';

export const FEATURE_SPEC_VERSION = 1;

const input = z.string().min(1, 'must not be empty');

export const numericTransformSchema = z.strictObject({
  kind: z.literal('numeric'),
  input,
  log1p: z.boolean(),
  /** Raw value used when an optional input is missing: the training median. */
  impute: z.number(),
  mean: z.number(),
  std: z.number().positive(),
  /** Off: the record's value is read as missing, so the column is the standardized `impute`. */
  enabledBy: enabledBySchema,
});

export const categoricalTransformSchema = z
  .strictObject({
    kind: z.literal('categorical'),
    input,
    /** Kept categories, most frequent first; slots follow this order, then "other", then "missing" if any. */
    categories: z.array(z.string()).min(1),
    missing: z.enum(['category', 'mode']),
    /** Off: the record's value is read as missing, so the "missing" slot (or, without one, the mode's) is set. */
    enabledBy: enabledBySchema,
  })
  .superRefine((t, ctx) => {
    const duplicate = firstDuplicate(t.categories);
    if (duplicate !== undefined)
      ctx.addIssue({ code: 'custom', path: ['categories'], message: `duplicate category "${duplicate}"` });
  });

export const datetimeTransformSchema = z.strictObject({
  kind: z.literal('datetime'),
  input,
  parts: z.array(datetimePartSchema).min(1),
  enabledBy: datetimeEnabledBySchema,
});

export const boolTransformSchema = z.strictObject({
  kind: z.literal('bool'),
  input,
  /** Value used when an optional input is missing: the training mode. */
  impute: z.boolean(),
  /** Off: the record's value is read as missing, so the column is `impute`. */
  enabledBy: enabledBySchema,
});

export const transformSpecSchema = z.discriminatedUnion('kind', [
  numericTransformSchema,
  categoricalTransformSchema,
  datetimeTransformSchema,
  boolTransformSchema,
]);

export type NumericTransform = z.infer<typeof numericTransformSchema>;
export type CategoricalTransform = z.infer<typeof categoricalTransformSchema>;
export type DatetimeTransform = z.infer<typeof datetimeTransformSchema>;
export type BoolTransform = z.infer<typeof boolTransformSchema>;
export type TransformSpec = z.infer<typeof transformSpecSchema>;

export const featureSpecSchema = z
  .strictObject({
    specVersion: z.literal(FEATURE_SPEC_VERSION),
    inputs: z.array(inputFieldSchema).min(1),
    transforms: z.array(transformSpecSchema).min(1),
    /** The tensor the spec produces: FP32, shape [N, featureNames.length]. */
    output: z.strictObject({ name: z.string().min(1), datatype: z.literal('FP32') }),
    /** Column order of the output tensor; must match what the transforms produce. */
    featureNames: z.array(z.string()).min(1),
    prediction: predictionSchema,
  })
  .superRefine((spec, ctx) => {
    // Feature names can only be derived once every transform reads a valid input.
    if (!checkInputsAndTransforms(spec.inputs, spec.transforms, ctx)) return;
    const expected = featureNamesOf(spec.inputs, spec.transforms);
    const actual = spec.featureNames;
    const at = expected.findIndex((n, i) => actual[i] !== n);
    const problem =
      expected.length !== actual.length
        ? `expected ${expected.length} columns, got ${actual.length}`
        : at >= 0 && `column ${at} should be "${expected[at]}", got "${actual[at]}"`;
    if (problem)
      ctx.addIssue({
        code: 'custom',
        path: ['featureNames'],
        message: `do not match the transforms: ${problem}`,
      });
  });

export type FeatureSpec = z.infer<typeof featureSpecSchema>;

/** Validates untrusted JSON (a bundle file, a KV entry) as a FeatureSpec; throws INVALID_ARGUMENT naming each problem. */
export function parseFeatureSpec(json: unknown): FeatureSpec {
  return parseOrThrow(featureSpecSchema, json, 'invalid feature spec');
}
