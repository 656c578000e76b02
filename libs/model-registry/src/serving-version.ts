// Which version of a model answers when a request names none: the newest version (numeric versions by value).
import { ModelManifest } from '@aviary/contracts';

/** A total order: digit runs compare by value ("2" < "10"), everything else alphabetically. */
export function compareVersions(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export function servingVersion(manifests: readonly ModelManifest[], model: string): ModelManifest | undefined {
  return manifests.filter((m) => m.name === model).sort((a, b) => compareVersions(b.version, a.version))[0];
}
