// Which version of a model answers when a request names none: the newest version (numeric versions by value).
import { ModelManifest } from '@aviary/contracts';

export function compareVersions(a: string, b: string): number {
  const [na, nb] = [Number(a), Number(b)];
  if (Number.isInteger(na) && Number.isInteger(nb)) return na - nb;
  return a.localeCompare(b);
}

export function servingVersion(manifests: readonly ModelManifest[], model: string): ModelManifest | undefined {
  return manifests.filter((m) => m.name === model).sort((a, b) => compareVersions(b.version, a.version))[0];
}
