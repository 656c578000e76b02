// What changes between two revisions of a flag set, flag by flag and field by field. Flags are compared as flagd
// evaluates them: `$ref`s resolved and the set's metadata merged in, so editing an evaluator shows in every flag that
// uses it, and reformatting the file shows nothing.
import { FLAG_FIELDS, FlagChange } from '@aviary/contracts';

type FlagDocument = { flags?: Record<string, unknown>; $evaluators?: object; metadata?: object };

/** `before` absent: every flag of `after` is added; `after` absent (a deleted set): every flag is removed. */
export function diffFlagSets(before: string | undefined, after: string | undefined): FlagChange[] {
  const old = effectiveFlags(before);
  const now = effectiveFlags(after);
  const changes: FlagChange[] = [];
  for (const flag of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const was = old.get(flag);
    const is = now.get(flag);
    if (!was) changes.push({ flag, change: 'added' });
    else if (!is) changes.push({ flag, change: 'removed' });
    else {
      const fields = FLAG_FIELDS.filter((f) => canonical(was[f]) !== canonical(is[f]));
      if (fields.length) changes.push({ flag, change: 'changed', fields });
    }
  }
  return changes;
}

/** One line per changed flag: `+ key`, `- key`, `~ key: state, targeting`. */
export function formatDiff(changes: readonly FlagChange[]): string[] {
  if (!changes.length) return ['no flag changes'];
  return changes.map((c) =>
    c.change === 'added'
      ? `+ ${c.flag}`
      : c.change === 'removed'
        ? `- ${c.flag}`
        : `~ ${c.flag}: ${c.fields.join(', ')}`,
  );
}

function effectiveFlags(source: string | undefined): Map<string, Record<string, unknown>> {
  if (source === undefined) return new Map();
  const document = JSON.parse(source) as FlagDocument;
  const evaluators = Object.entries(document.$evaluators ?? {});
  const resolve = (rule: unknown): unknown => {
    if (Array.isArray(rule)) return rule.map(resolve);
    if (typeof rule !== 'object' || rule === null) return rule;
    const entries = Object.entries(rule);
    if (entries.length === 1 && entries[0][0] === '$ref') {
      const found = evaluators.find(([name]) => name === entries[0][1]);
      if (found) return resolve(found[1]);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]));
  };
  return new Map(
    Object.entries(document.flags ?? {}).map(([key, value]) => {
      // A diff is asked of documents not yet validated: a flag that is not an object compares as its raw value.
      const flag = (typeof value === 'object' && value !== null ? value : { state: value }) as Record<string, unknown>;
      return [
        key,
        {
          ...flag,
          targeting: resolve(flag.targeting),
          metadata: { ...document.metadata, ...(flag.metadata as object | undefined) },
        },
      ];
    }),
  );
}

/** JSON with sorted keys, so key order is not a change. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
