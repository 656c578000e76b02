// Which version of each model takes its unversioned traffic: the one its serving pointer names, once ready.
import { compareVersions, VersionSummary } from '@aviary/model-registry';

export interface ModelServingReport {
  model: string;
  servingVersion: string | null;
  versions: { version: string; state: VersionSummary['state']; readyReplicas: number }[];
}

export function servingReport(versions: readonly VersionSummary[]): ModelServingReport[] {
  const byModel = new Map<string, VersionSummary[]>();
  for (const v of versions) byModel.set(v.name, [...(byModel.get(v.name) ?? []), v]);
  return [...byModel.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([model, list]) => {
      const sorted = [...list].sort((a, b) => compareVersions(a.version, b.version));
      const serving = sorted.find((v) => v.state === 'serving');
      return {
        model,
        servingVersion: serving?.version ?? null,
        versions: sorted.map((v) => ({ version: v.version, state: v.state, readyReplicas: v.readyReplicas })),
      };
    });
}
