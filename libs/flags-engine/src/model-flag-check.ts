// A model's version flag (`model.<name>`) routes traffic to the versions its variants name, so a set that names a
// version no replica can serve is refused when it is applied, not discovered when a request lands on it.
import { modelVersionFlag } from '@aviary/contracts';
import { FlagSetProblem } from './flag-set-validation';

/** A version as the registry sees it (model-registry's `versionStates` rows fit). */
export interface ModelVersionState {
  name: string;
  version: string;
  /** ready/serving: warm on some replica; rejected: failed its quality gate; loading, failed, unserved. */
  state: string;
  reason?: string;
}

export type ModelVersionLookup = () => Promise<readonly ModelVersionState[]>;

const SERVABLE = ['ready', 'serving'];

/** The model a flag key picks versions for; `model.<name>.enabled` (a kill switch) and other keys name none. */
export function versionFlagModel(key: string): string | undefined {
  const name = key.startsWith('model.') ? key.slice('model.'.length) : '';
  return name && modelVersionFlag(name) === key && !name.includes('.') ? name : undefined;
}

/** Every variant of every version flag that does not name a ready version of its model. */
export function modelFlagProblems(
  flags: Record<string, unknown>,
  versions: readonly ModelVersionState[],
): FlagSetProblem[] {
  const problems: FlagSetProblem[] = [];
  for (const [flag, definition] of Object.entries(flags)) {
    const model = versionFlagModel(flag);
    if (!model) continue;
    const variants = (definition as { variants?: unknown } | null)?.variants;
    // A flag without a variants object is already reported by the set's validation.
    if (typeof variants !== 'object' || variants === null) continue;
    for (const [variant, version] of Object.entries(variants)) {
      const path = `/flags/${flag}/variants/${variant.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (typeof version !== 'string') {
        problems.push({
          flag,
          path,
          message: `a version flag's variants name versions of ${model}: "${variant}" is not a string`,
        });
        continue;
      }
      const known = versions.find((v) => v.name === model && v.version === version);
      const why = !known
        ? `which does not exist`
        : SERVABLE.includes(known.state)
          ? undefined
          : `which is ${known.state}${known.reason ? ` (${known.reason})` : ''}`;
      if (why)
        problems.push({
          flag,
          path,
          message: `variant "${variant}" names version "${version}" of model "${model}", ${why}; a version flag may name only ready versions`,
        });
    }
  }
  return problems;
}
