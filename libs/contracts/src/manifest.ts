// The model manifest stored in the aviary_models KV bucket: what a version is, where its bytes are, how it was scored.
import { z } from 'zod';
import { DATATYPES } from './tensor';
import { modelNameSchema, modelVersionSchema } from './subjects';

export const tensorMetadataSchema = z.object({
  name: z.string(),
  datatype: z.enum(DATATYPES),
  shape: z.array(z.number().int().min(-1)),
});

export const outputRewriteSchema = z.object({
  output: z.string(),
  from: z.literal('ZipMap'),
  /** Label of each column of the rewritten output, in order. */
  classLabels: z.array(z.union([z.string(), z.number()])),
});

export type OutputRewriteRecord = z.infer<typeof outputRewriteSchema>;

export const modelManifestSchema = z.object({
  name: modelNameSchema,
  version: modelVersionSchema,
  platform: z.literal('onnxruntime'),
  objectName: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  sizeBytes: z.number().int().positive(),
  inputs: z.array(tensorMetadataSchema).min(1),
  outputs: z.array(tensorMetadataSchema).min(1),
  /** Held-out metrics from training (AUC, accuracy, ...), as reported by whoever trained the model. */
  metrics: z.record(z.string(), z.unknown()),
  /** Fitted feature pipeline that turns raw records into the model's inputs; validated by @aviary/features. */
  featureSpec: z.unknown().optional(),
  createdAt: z.string(),
  /** Checksum of the upload when what is served (sha256) was rewritten from it; pushing the upload again is a no-op. */
  originalSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /** How the served graph differs from the upload, e.g. a ZipMap output replaced by its probability tensor. */
  rewrites: z.array(outputRewriteSchema).optional(),
  /** Facts about the model for clients, e.g. { classes: [...] }: the column labels of a probability output. */
  parameters: z.record(z.string(), z.unknown()).optional(),
  /** Scores on a labelled set at push time, and the quality gate they were held to; a failed gate means rejected. */
  evaluation: z
    .object({
      source: z.string(),
      rows: z.number().int().positive(),
      metrics: z.record(z.string(), z.unknown()),
      gate: z
        .object({
          expression: z.string(),
          passed: z.boolean(),
          checks: z.array(
            z.object({
              metric: z.string(),
              operator: z.string(),
              threshold: z.number(),
              value: z.number().nullable(),
              passed: z.boolean(),
            }),
          ),
        })
        .optional(),
    })
    .optional(),
});

export type ModelManifest = z.infer<typeof modelManifestSchema>;

export type VersionState = 'loading' | 'ready' | 'failed';

/** Which version of a model serves unversioned traffic; moved only by explicit commands and the rollout controller. */
export const servingPointerSchema = z.object({
  version: modelVersionSchema,
  since: z.string(),
  /** Who moved it: "cli", "seed", "rollout-controller", ... */
  by: z.string(),
});

export type ServingPointer = z.infer<typeof servingPointerSchema>;

/**
 * Why the version's quality gate rejected it ("auc 0.6019 fails >= 0.7"), or undefined when it was not: a rejected
 * version is stored with its figures, never loaded, never routed to.
 */
export function rejectionReason(manifest: ModelManifest): string | undefined {
  const gate = manifest.evaluation?.gate;
  return gate && !gate.passed ? describeGateFailures(gate.checks) : undefined;
}

export interface GateCheck {
  metric: string;
  operator: string;
  threshold: number;
  value: number | null;
  passed: boolean;
}

/** "auc 0.6019 fails >= 0.7" for each failed condition. */
export function describeGateFailures(checks: readonly GateCheck[]): string {
  return checks
    .filter((c) => !c.passed)
    .map((c) =>
      c.value === null
        ? `${c.metric} not measured`
        : `${c.metric} ${Number(c.value.toFixed(4))} fails ${c.operator} ${c.threshold}`,
    )
    .join('; ');
}

/** One inference replica's view of one version, answered on subjects.inferenceStatus. */
const replicaVersionStatusSchema = z.object({
  model: z.string(),
  version: z.string(),
  state: z.enum(['loading', 'ready', 'failed']),
  reason: z.string().optional(),
});
export type ReplicaVersionStatus = z.infer<typeof replicaVersionStatusSchema>;

export const replicaStatusSchema = z.object({ replica: z.string(), versions: z.array(replicaVersionStatusSchema) });
export type ReplicaStatus = z.infer<typeof replicaStatusSchema>;
