// A version's state across replicas: ready if any replica serves it, loading while one still loads it,
// failed (with the reasons) only when every replica that knows it failed.
import {
  ModelManifest,
  parseOrThrow,
  rejectionReason,
  ReplicaStatus,
  replicaStatusSchema,
  ServingPointer,
  subjects,
  VersionState,
} from '@aviary/contracts';
import { decodeJson, gatherReplies } from '@aviary/messaging/core';
import { NatsConnection } from 'nats';
import { ModelRegistry } from './model-registry';
import { ServingPointers } from './serving-pointers';
import { compareVersions } from './serving-version';

export interface VersionSummary {
  name: string;
  version: string;
  /**
   * serving: ready and named by the model's serving pointer; rejected: its quality gate failed at push;
   * unserved: no replica has reported it.
   */
  state: VersionState | 'serving' | 'rejected' | 'unserved';
  /** How many replicas have this version ready. */
  readyReplicas: number;
  reason?: string;
  sha256: string;
  metrics: Record<string, unknown>;
  /** Figures measured at push on a labelled set (`push --eval`), with the gate they were held to. */
  evaluation?: ModelManifest['evaluation'];
}

export function summarizeVersions(
  manifests: readonly ModelManifest[],
  replicas: readonly ReplicaStatus[],
  pointers: ReadonlyMap<string, ServingPointer> = new Map(),
): VersionSummary[] {
  return [...manifests]
    .sort((a, b) => a.name.localeCompare(b.name) || compareVersions(a.version, b.version))
    .map((m) => {
      const facts = { sha256: m.sha256, metrics: m.metrics, ...(m.evaluation && { evaluation: m.evaluation }) };
      const rejected = rejectionReason(m);
      if (rejected)
        return {
          name: m.name,
          version: m.version,
          state: 'rejected' as const,
          readyReplicas: 0,
          reason: `quality gate: ${rejected}`,
          ...facts,
        };
      const views = replicas.flatMap((r) => r.versions.filter((v) => v.model === m.name && v.version === m.version));
      const readyReplicas = views.filter((v) => v.state === 'ready').length;
      const failures = [...new Set(views.filter((v) => v.state === 'failed').map((v) => v.reason ?? 'unknown reason'))];
      const state: VersionSummary['state'] =
        readyReplicas > 0
          ? pointers.get(m.name)?.version === m.version
            ? 'serving'
            : 'ready'
          : views.some((v) => v.state === 'loading')
            ? 'loading'
            : failures.length
              ? 'failed'
              : 'unserved';
      return {
        name: m.name,
        version: m.version,
        state,
        readyReplicas,
        ...(state === 'failed' && { reason: failures.join('; ') }),
        ...facts,
      };
    });
}

/**
 * Asks every inference replica for its versions; each answers once, replies are collected for `waitMs`. No replica
 * at all means every version is unserved; a reply that cannot be read is reported and skipped.
 */
export async function collectReplicaStatus(
  connection: NatsConnection,
  waitMs = 500,
  onUnreadable: (problem: string) => void = () => undefined,
): Promise<ReplicaStatus[]> {
  const bodies = await gatherReplies(connection, subjects.inferenceStatus, waitMs);
  return bodies.flatMap((body) => {
    try {
      return [parseOrThrow(replicaStatusSchema, decodeJson(body, 'replica status'), 'replica status')];
    } catch (e) {
      onUnreadable(`skipping a replica status: ${(e as Error).message}`);
      return [];
    }
  });
}

/** Every version's state right now: manifests, what the replicas report, and the serving pointers. */
export async function versionStates(registry: ModelRegistry, waitMs = 500): Promise<VersionSummary[]> {
  const pointers = await ServingPointers.open(registry);
  const [manifests, replicas, serving] = await Promise.all([
    registry.list(),
    collectReplicaStatus(registry.connection, waitMs, registry.onUnreadable),
    pointers.all(),
  ]);
  return summarizeVersions(manifests, replicas, serving);
}
