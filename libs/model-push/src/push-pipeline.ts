// The push pipeline: a version is stored only after ONNX Runtime has loaded and run it, and versions are immutable.
// Outputs that ONNX Runtime cannot return (scikit-learn's ZipMap) are rewritten before storing; the upload is kept
// beside. Every door that pushes (the CLI, an admin API) goes through here, so all follow the same serving rule.
import {
  AviaryError,
  rejectionReason,
  invalid,
  ModelManifest,
  modelNameSchema,
  modelObjectName,
  modelVersionSchema,
  parseOrThrow,
  ServingPointer,
} from '@aviary/contracts';
import { checkGate, evaluateVersion, parseGate } from '@aviary/evaluation';
import { FeatureSpec, parseFeatureSpec } from '@aviary/features';
import { ModelSession } from '@aviary/inference-engine';
import { ModelRegistry, ServingPointers, sha256 } from '@aviary/model-registry';
import { GraphRewrite, OutputRewrite, rewriteZipMapOutputs, verifyRewrite } from '@aviary/onnx-graph';
import { checkSpecFitsModel } from './spec-compatibility';

/**
 * first: serve the version if its model has no serving version yet (the default); always: serve it whatever served
 * before; never: leave the serving pointer alone.
 */
export type ServeRule = 'first' | 'always' | 'never';

export interface ModelPush {
  name: string;
  version: string;
  onnx: Uint8Array;
  featureSpec?: unknown;
  metrics?: Record<string, unknown>;
  /** When given, the upload must hash to this value. */
  expectedSha256?: string;
  /** Labelled records to score the version on before it is stored; with a gate, a failing score rejects it. */
  evaluation?: { source: string; records: unknown[]; gate?: string };
  serve?: ServeRule;
}

export interface PushOutcome {
  manifest: ModelManifest;
  /** False when the same upload was already stored under this version (a no-op). */
  created: boolean;
  /** The model's serving pointer after the push (it may name another version); none while nothing serves. */
  serving?: ServingPointer;
  /** The version that served before, when this push moved the pointer away from it. */
  replaced?: string;
}

export class PushPipeline {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly pointers: ServingPointers,
    /** Recorded on the serving pointers this pipeline moves: "cli", "admin-api", ... */
    private readonly by: string,
  ) {}

  /** Validates, stores and (by its serve rule) serves a version; a version its gate rejects never serves. */
  async push(push: ModelPush): Promise<PushOutcome> {
    const { manifest, created } = await this.validateAndStore(push);
    if (rejectionReason(manifest)) return { manifest, created, serving: await this.pointers.get(manifest.name) };
    const { name, version } = manifest;
    switch (push.serve ?? 'first') {
      case 'never':
        return { manifest, created, serving: await this.pointers.get(name) };
      case 'first':
        return { manifest, created, serving: (await this.pointers.claim(name, version, this.by)).pointer };
      case 'always': {
        const previous = await this.pointers.get(name);
        const serving = await this.pointers.serve(name, version, this.by);
        return {
          manifest,
          created,
          serving,
          ...(previous && previous.version !== version && { replaced: previous.version }),
        };
      }
    }
  }

  /** Pushing identical bytes again is a no-op that returns the stored manifest. */
  private async validateAndStore(push: ModelPush): Promise<{ manifest: ModelManifest; created: boolean }> {
    const name = parseOrThrow(modelNameSchema, push.name, 'model name');
    const version = parseOrThrow(modelVersionSchema, push.version, 'model version');
    const digest = sha256(push.onnx);
    if (push.expectedSha256 && push.expectedSha256.toLowerCase() !== digest) {
      throw invalid(`checksum mismatch: expected sha256 ${push.expectedSha256}, the upload hashes to ${digest}`);
    }
    const existing = await this.registry.find(name, version);
    if (existing) {
      if ((existing.originalSha256 ?? existing.sha256) === digest) return { manifest: existing, created: false };
      throw new AviaryError(
        `${name} version ${version} already exists with another sha256; versions are immutable, push a new version`,
        'FAILED_PRECONDITION',
      );
    }
    const served = await servableGraph(push.onnx);
    const session = await ModelSession.load(served.bytes);
    try {
      await session.warmUp().catch((e: Error) => {
        throw invalid(`the model loads but fails to run on zero inputs: ${e.message}`);
      });
      const featureSpec = push.featureSpec === undefined ? undefined : parseFeatureSpec(push.featureSpec);
      if (featureSpec) checkSpecFitsModel(featureSpec, session.inputs);
      const evaluation =
        push.evaluation &&
        (await evaluate({ session, spec: featureSpec, rewrites: served.rewrites, request: push.evaluation }));
      const rewritten = served.rewrites.length > 0;
      const manifest: ModelManifest = {
        name,
        version,
        platform: 'onnxruntime',
        objectName: modelObjectName(name, version),
        sha256: rewritten ? sha256(served.bytes) : digest,
        sizeBytes: served.bytes.byteLength,
        inputs: session.inputs,
        outputs: session.outputs,
        metrics: push.metrics ?? {},
        featureSpec,
        createdAt: new Date().toISOString(),
        ...(evaluation && { evaluation }),
        ...(rewritten && {
          originalSha256: digest,
          rewrites: served.rewrites,
          ...(served.rewrites.length === 1 && { parameters: { classes: served.rewrites[0].classLabels } }),
        }),
      };
      await this.registry.store({ manifest, served: served.bytes, ...(rewritten && { original: push.onnx }) });
      return { manifest, created: true };
    } finally {
      await session.release();
    }
  }
}

/** The graph to serve: ZipMap outputs become probability tensors, checked against the upload in ONNX Runtime. */
async function servableGraph(upload: Uint8Array): Promise<GraphRewrite> {
  const rewrite = rewriteZipMapOutputs(upload);
  if (rewrite.rewrites.length > 0) await verifyRewrite(upload, rewrite);
  return rewrite;
}

/**
 * Scores the version on labelled records, through its feature spec or, without one, its inputs and its label output
 * (a classifier) or value output (a regressor); the gate's verdict is recorded, not thrown, so a rejected version
 * keeps its figures.
 */
async function evaluate({
  session,
  spec,
  rewrites,
  request,
}: {
  session: ModelSession;
  spec: FeatureSpec | undefined;
  rewrites: readonly OutputRewrite[];
  request: NonNullable<ModelPush['evaluation']>;
}): Promise<NonNullable<ModelManifest['evaluation']>> {
  if (request.gate !== undefined) parseGate(request.gate); // a malformed gate fails before any scoring
  const { rows, metrics } = await evaluateVersion({ scorer: session, spec, rewrites, records: request.records });
  const figures = metrics as unknown as Record<string, unknown>;
  return {
    source: request.source,
    rows,
    metrics: figures,
    ...(request.gate !== undefined && { gate: checkGate(request.gate, figures) }),
  };
}
