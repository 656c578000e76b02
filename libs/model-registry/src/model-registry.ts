// Model versions on JetStream: ONNX bytes in the object store, manifests in KV. A version becomes visible
// (its manifest is written) only after ONNX Runtime has loaded and run it, and versions are immutable. Outputs that
// ONNX Runtime cannot return (scikit-learn's ZipMap) are rewritten before storing; the upload is kept beside.
import {
  AviaryError,
  buckets,
  invalid,
  versionKey,
  ModelManifest,
  modelManifestSchema,
  modelNameSchema,
  modelObjectName,
  modelVersionSchema,
  notFound,
  objectStores,
  parseOrThrow,
} from '@aviary/contracts';
import { FeatureSpec, parseFeatureSpec } from '@aviary/features';
import { checkGate, evaluateVersion, parseGate } from '@aviary/evaluation';
import { ModelSession } from '@aviary/inference-engine';
import { BucketWatch, followBucket, openKv, openObjectStore } from '@aviary/messaging';
import { GraphRewrite, OutputRewrite, rewriteZipMapOutputs, verifyRewrite } from '@aviary/onnx-graph';
import { createHash } from 'node:crypto';
import { KV, KvEntry, NatsConnection, ObjectStore } from 'nats';
import { checkSpecFitsModel } from './spec-compatibility';

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
}

/** Both kinds name the version, so a listener keys its per-version state the same way for either. */
export type ManifestChange = { name: string; version: string } & (
  { kind: 'put'; manifest: ModelManifest } | { kind: 'delete' }
);

const fromUtf8 = new TextDecoder();

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Where the upload is kept when the served graph (under modelObjectName) was rewritten from it. */
export const originalObjectName = (name: string, version: string) => `${name}/${version}/original.onnx`;

export class ModelRegistry {
  constructor(
    /** Watches start over when it reconnects; ServingPointers opens its bucket through it. */
    readonly connection: NatsConnection,
    private readonly manifests: KV,
    private readonly artifacts: ObjectStore,
    /** Told about manifests that cannot be read; they are skipped so one bad entry never stops the others. */
    private readonly onUnreadable: (problem: string) => void = () => undefined,
  ) {}

  static async open(connection: NatsConnection, onUnreadable?: (problem: string) => void): Promise<ModelRegistry> {
    const js = connection.jetstream();
    return new ModelRegistry(
      connection,
      await openKv(js, buckets.models),
      await openObjectStore(js, objectStores.models),
      onUnreadable,
    );
  }

  /** Validates and stores a version; pushing identical bytes again is a no-op that returns the stored manifest. */
  async push(push: ModelPush): Promise<{ manifest: ModelManifest; created: boolean }> {
    const name = parseOrThrow(modelNameSchema, push.name, 'model name');
    const version = parseOrThrow(modelVersionSchema, push.version, 'model version');
    const digest = sha256(push.onnx);
    if (push.expectedSha256 && push.expectedSha256.toLowerCase() !== digest) {
      throw invalid(`checksum mismatch: expected sha256 ${push.expectedSha256}, the upload hashes to ${digest}`);
    }
    const existing = await this.find(name, version);
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
      const objectName = modelObjectName(name, version);
      const rewritten = served.rewrites.length > 0;
      if (rewritten) await this.artifacts.putBlob({ name: originalObjectName(name, version) }, push.onnx);
      await this.artifacts.putBlob({ name: objectName }, served.bytes);
      const manifest: ModelManifest = {
        name,
        version,
        platform: 'onnxruntime',
        objectName,
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
      // The manifest is written last: readers never see a version whose bytes are not stored yet.
      await this.manifests.put(versionKey(name, version), JSON.stringify(manifest));
      return { manifest, created: true };
    } finally {
      await session.release();
    }
  }

  async find(name: string, version: string): Promise<ModelManifest | undefined> {
    const entry = await this.manifests.get(versionKey(name, version));
    return entry && entry.operation === 'PUT' ? decodeManifest(entry) : undefined;
  }

  async get(name: string, version: string): Promise<ModelManifest> {
    const manifest = await this.find(name, version);
    if (!manifest) throw notFound(`model "${name}" has no version "${version}"`);
    return manifest;
  }

  /** Every readable manifest; an unreadable one (written by a newer or broken client) is skipped, not fatal. */
  async list(): Promise<ModelManifest[]> {
    const keys: string[] = [];
    for await (const key of await this.manifests.keys()) keys.push(key);
    const entries = await Promise.all(keys.map(async (k) => this.manifests.get(k)));
    return entries
      .filter((e): e is KvEntry => !!e && e.operation === 'PUT')
      .flatMap((e) => readable(e, this.onUnreadable));
  }

  /** The ONNX bytes of a version, checked against the manifest's sha256. */
  async fetchModel(manifest: ModelManifest): Promise<Uint8Array> {
    const bytes = await this.artifacts.getBlob(manifest.objectName);
    if (!bytes)
      throw notFound(`the bytes of ${manifest.name} version ${manifest.version} are missing from the object store`);
    const digest = sha256(bytes);
    if (digest !== manifest.sha256) {
      throw new AviaryError(
        `${manifest.name} version ${manifest.version}: stored bytes hash to ${digest}, manifest says ${manifest.sha256}`,
        'INTERNAL',
      );
    }
    return bytes;
  }

  async remove(name: string, version: string): Promise<void> {
    const manifest = await this.get(name, version);
    await this.manifests.delete(versionKey(name, version));
    await this.artifacts.delete(modelObjectName(name, version));
    if (manifest.originalSha256) await this.artifacts.delete(originalObjectName(name, version));
  }

  /** Every manifest now and every change after, until `stop`; after a reconnect every manifest again. */
  async watch(onChange: (change: ManifestChange) => void): Promise<BucketWatch> {
    return followBucket(
      this.manifests,
      this.connection,
      (entry) => {
        if (entry.operation === 'PUT') {
          for (const manifest of readable(entry, this.onUnreadable))
            onChange({ kind: 'put', name: manifest.name, version: manifest.version, manifest });
        } else {
          const [name, version] = entry.key.split('.');
          onChange({ kind: 'delete', name, version });
        }
      },
      (e) => this.onUnreadable(`manifest watch ended: ${e.message}`),
    );
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

function readable(entry: KvEntry, onUnreadable: (problem: string) => void): ModelManifest[] {
  try {
    return [decodeManifest(entry)];
  } catch (e) {
    onUnreadable(`skipping manifest ${entry.key}: ${(e as Error).message}`);
    return [];
  }
}

function decodeManifest(entry: KvEntry): ModelManifest {
  return parseOrThrow(modelManifestSchema, JSON.parse(fromUtf8.decode(entry.value)), `manifest ${entry.key}`);
}
