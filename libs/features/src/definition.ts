// A pipeline definition: the declarative, unfitted recipe that fitFeatureSpec turns into a FeatureSpec.
import { parseOrThrow } from '@aviary/contracts';
import { z } from 'zod';
import {
  checkInputsAndTransforms,
  datetimeEnabledBySchema,
  datetimePartSchema,
  enabledBySchema,
  inputFieldSchema,
  predictionSchema,
} from './schema-parts';

const input = z.string().min(1, 'must not be empty');

const numericDefinition = z.strictObject({
  kind: z.literal('numeric'),
  input,
  /** Signed log1p before standardizing, for long-tailed values such as distances. */
  log1p: z.boolean().default(false),
  enabledBy: enabledBySchema,
});

const categoricalDefinition = z.strictObject({
  kind: z.literal('categorical'),
  input,
  /** Keep at most this many of the most frequent categories; the rest share the "other" slot. */
  topK: z.number().int().positive().optional(),
  /** Categories seen fewer times than this in training share the "other" slot. */
  minCount: z.number().int().positive().default(1),
  /** A missing optional value gets its own slot ("category") or counts as the most frequent category ("mode"). */
  missing: z.enum(['category', 'mode']).default('category'),
  enabledBy: enabledBySchema,
});

const datetimeDefinition = z.strictObject({
  kind: z.literal('datetime'),
  input,
  parts: z.array(datetimePartSchema).min(1),
  enabledBy: datetimeEnabledBySchema,
});

const boolDefinition = z.strictObject({ kind: z.literal('bool'), input, enabledBy: enabledBySchema });

export const transformDefinitionSchema = z.discriminatedUnion('kind', [
  numericDefinition,
  categoricalDefinition,
  datetimeDefinition,
  boolDefinition,
]);

export const pipelineDefinitionSchema = z
  .strictObject({
    /** Name of the FP32 [N, D] tensor the pipeline produces: the model's input. */
    output: z.string().min(1).default('features'),
    inputs: z.array(inputFieldSchema.extend({ required: z.boolean().default(true) })).min(1),
    transforms: z.array(transformDefinitionSchema).min(1),
    prediction: predictionSchema,
  })
  .superRefine((d, ctx) => {
    checkInputsAndTransforms(d.inputs, d.transforms, ctx);
  });

/** What an author writes: optional fields may be left out and take their defaults. */
export type PipelineDefinition = z.input<typeof pipelineDefinitionSchema>;
/** A validated definition with every default filled in. */
export type ResolvedPipelineDefinition = z.output<typeof pipelineDefinitionSchema>;

export function parsePipelineDefinition(json: unknown): ResolvedPipelineDefinition {
  return parseOrThrow(pipelineDefinitionSchema, json, 'invalid pipeline definition');
}
