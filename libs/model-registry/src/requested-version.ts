// The manifest a request that names a version gets, with the errors every door answers alike.
import { AviaryError, ModelManifest, notFound, rejectionReason } from '@aviary/contracts';
import { compareVersions } from './serving-version';

/**
 * The manifest of an explicit version, rejected or not; an unknown model or version is NOT_FOUND naming the rest.
 * `versions` lists the model's versions only for that error: routed requests pass here, and sorting is not free.
 */
export function knownVersion(
  found: ModelManifest | undefined,
  request: { model: string; version: string; versions: () => readonly string[] },
): ModelManifest {
  if (found) return found;
  const { model, version } = request;
  const versions = [...request.versions()].sort(compareVersions);
  if (versions.length === 0) throw notFound(`unknown model "${model}"`);
  throw notFound(`model "${model}" has no version "${version}"; it has ${versions.join(', ')}`);
}

/** A version its quality gate rejected is FAILED_PRECONDITION: it never serves, even when named. */
export function servableVersion(manifest: ModelManifest): ModelManifest {
  const rejected = rejectionReason(manifest);
  if (rejected)
    throw new AviaryError(
      `${manifest.name} version ${manifest.version} was rejected by its quality gate: ${rejected}`,
      'FAILED_PRECONDITION',
    );
  return manifest;
}
