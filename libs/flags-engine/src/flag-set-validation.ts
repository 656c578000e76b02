// Every problem of a flagd flag set at once, each with its flag, JSON pointer and message, so an operator fixes a
// file in one pass. Each flag is checked on its own by flagd-core (its bundled flagd schema, its loader, its targeting
// compiler), so one broken flag cannot hide the problems of the next.
import { MemoryStorage } from '@openfeature/flagd-core';
import type { Logger } from '@openfeature/core';

export interface FlagSetProblem {
  /** The flag the problem is in; absent for problems of the document itself. */
  flag?: string;
  /** JSON pointer into the document, e.g. /flags/my-flag/targeting/if/0. */
  path: string;
  message: string;
}

export interface ValidationOptions {
  /**
   * flagd's own loading: a flag that only breaks flagd's schema (an unknown operator, a `$ref` to a missing
   * evaluator) still loads and answers PARSE_ERROR. Problems flagd itself refuses to load are reported either way.
   */
  lenient?: boolean;
}

/** Whether flagd refuses to load the set (`load`) or loads it leniently with the flag answering PARSE_ERROR. */
type Severity = 'load' | 'schema';
type Found = FlagSetProblem & { severity: Severity };

interface SchemaError {
  instancePath: string;
  keyword: string;
  params: { additionalProperty?: string; type?: string | string[]; allowedValues?: unknown[] };
  message?: string;
}

const silent: Logger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
const STATES = ['ENABLED', 'DISABLED'];
const SCHEMA_PREFIX = 'invalid flagd flag configuration: ';

export function findFlagSetProblems(source: string, { lenient = false }: ValidationOptions = {}): FlagSetProblem[] {
  let document: unknown;
  try {
    document = JSON.parse(source);
  } catch (e) {
    return [{ path: '', message: `not valid JSON: ${(e as Error).message}` }];
  }
  if (!isObject(document)) return [{ path: '', message: 'a flag set must be a JSON object with a "flags" object' }];
  if (!isObject(document.flags))
    return [{ path: '/flags', message: '"flags" must be an object of flag key to flag definition' }];
  const evaluators = document.$evaluators ?? {};
  if (!isObject(evaluators))
    return [{ path: '/$evaluators', message: '"$evaluators" must be an object of name to JsonLogic rule' }];

  // Lenient loading (every store, at every KV change) skips the schema work whose findings it would drop.
  const found: Found[] = lenient
    ? []
    : schemaProblems({ ...document, flags: {} }).map((p) => ({ ...p, severity: 'schema' }));
  for (const [key, flag] of Object.entries(document.flags))
    found.push(...flagProblems(key, flag, { ...document, flags: { [key]: flag } }, evaluators, lenient));
  return found.filter((p) => !lenient || p.severity === 'load').map(({ severity: _severity, ...problem }) => problem);
}

/** `key  /path  message`, the one-line form the CLI prints. */
export const formatProblem = (p: FlagSetProblem) => `${p.flag ?? '-'}  ${p.path || '/'}  ${p.message}`;

function flagProblems(
  key: string,
  flag: unknown,
  alone: Record<string, unknown>,
  evaluators: Record<string, unknown>,
  lenient: boolean,
): Found[] {
  const at = (suffix: string) => `/flags/${pointerToken(key)}${suffix}`;
  const problem = (severity: Severity, suffix: string, message: string): Found => ({
    flag: key,
    path: at(suffix),
    message,
    severity,
  });
  if (!isObject(flag)) return [problem('load', '', 'a flag must be an object with state, variants, defaultVariant')];

  // What flagd itself refuses to load, with a message that names what was expected.
  const found: Found[] = [];
  if (!STATES.includes(flag.state as string))
    found.push(problem('load', '/state', `state must be ENABLED or DISABLED, got ${JSON.stringify(flag.state)}`));
  const variants = flag.variants;
  if (!isObject(variants)) found.push(problem('load', '/variants', 'variants must be an object of name to value'));
  else {
    const names = Object.keys(variants);
    if (flag.defaultVariant && !names.includes(flag.defaultVariant as string))
      found.push(
        problem(
          'load',
          '/defaultVariant',
          `default variant ${JSON.stringify(flag.defaultVariant)} is not one of the variants (${names.join(', ')})`,
        ),
      );
    const types = new Map<string, string[]>();
    for (const [name, value] of Object.entries(variants))
      types.set(typeOf(value), [...(types.get(typeOf(value)) ?? []), name]);
    if (types.size > 1)
      found.push(
        problem(
          'load',
          '/variants',
          `variants mix types (${[...types].map(([t, n]) => `${t}: ${n.join(', ')}`).join('; ')}); a flag's variants share one type`,
        ),
      );
  }

  if (lenient) return found.length ? found : loadFailure(alone, problem);

  for (const { path, name } of references(flag.targeting, at('/targeting')))
    if (!(name in evaluators))
      found.push({ flag: key, path, severity: 'schema', message: `$ref "${name}" names no entry of $evaluators` });

  // flagd's schema; a path already explained above keeps its clearer message.
  const explained = found.map((p) => p.path);
  for (const p of schemaProblems(alone))
    if (!explained.some((path) => p.path === path || p.path.startsWith(`${path}/`)))
      found.push({ ...p, flag: key, severity: 'schema' });

  // flagd's loader and targeting compiler, as the stores run them.
  if (found.some((p) => p.severity === 'load')) return found;
  const storage = loaded(alone);
  if (!('storage' in storage)) return [...found, problem('load', '', storage.failure)];
  const compiled = storage.storage.getFlag(key)?.evaluate({}, silent);
  if (compiled?.errorCode === 'PARSE_ERROR' && !found.some((p) => p.path.startsWith(at('/targeting'))))
    found.push(problem('schema', '/targeting', 'targeting does not compile (flagd answers PARSE_ERROR for this flag)'));
  return found;
}

/** What flagd's own loader refuses beyond the checks above, if anything. */
function loadFailure(
  alone: Record<string, unknown>,
  problem: (severity: Severity, suffix: string, message: string) => Found,
): Found[] {
  const result = loaded(alone);
  return 'failure' in result ? [problem('load', '', result.failure)] : [];
}

function loaded(document: Record<string, unknown>): { storage: MemoryStorage } | { failure: string } {
  const storage = new MemoryStorage(silent);
  try {
    storage.setConfigurations(JSON.stringify(document), false);
    return { storage };
  } catch (e) {
    return { failure: describeLoadFailure(e) };
  }
}

/** flagd's schema problems of a document, one per deepest failing path (ajv reports every branch it tried). */
function schemaProblems(document: Record<string, unknown>): FlagSetProblem[] {
  const errors = schemaErrors(document).filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
  const paths = [...new Set(errors.map((e) => e.instancePath))];
  return paths
    .filter((path) => !paths.some((other) => other.startsWith(`${path}/`)))
    .map((path) => ({ path, message: describeSchemaErrors(errors.filter((e) => e.instancePath === path)) }));
}

function schemaErrors(document: Record<string, unknown>): SchemaError[] {
  try {
    new MemoryStorage(silent).setConfigurations(JSON.stringify(document), true);
    return [];
  } catch (e) {
    const message = (e as Error).message;
    // Without the list the document failed to load at all, which the loader check reports.
    return message.startsWith(SCHEMA_PREFIX) ? (JSON.parse(message.slice(SCHEMA_PREFIX.length)) as SchemaError[]) : [];
  }
}

function describeSchemaErrors(errors: SchemaError[]): string {
  const unknown = [...new Set(errors.flatMap((e) => e.params.additionalProperty ?? []))];
  if (unknown.length) return `unknown operator or property ${unknown.map((u) => `"${u}"`).join(', ')} (flagd schema)`;
  const types = [...new Set(errors.flatMap((e) => (e.keyword === 'type' ? (e.params.type ?? []) : [])))];
  if (types.length) return `must be ${types.join(' or ')} (flagd schema)`;
  const allowed = errors.find((e) => e.keyword === 'enum')?.params.allowedValues;
  if (allowed) return `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')} (flagd schema)`;
  return `${[...new Set(errors.map((e) => e.message ?? e.keyword))].join('; ')} (flagd schema)`;
}

function describeLoadFailure(e: unknown): string {
  const error = e as Error & { cause?: Error };
  return `flagd cannot load this flag: ${error.cause?.message ?? error.message}`;
}

/** Every `{"$ref": name}` in a targeting rule, with its JSON pointer. */
function references(rule: unknown, path: string): { path: string; name: string }[] {
  if (Array.isArray(rule)) return rule.flatMap((item, i) => references(item, `${path}/${i}`));
  if (!isObject(rule)) return [];
  const keys = Object.keys(rule);
  if (keys.length === 1 && keys[0] === '$ref' && typeof rule.$ref === 'string') return [{ path, name: rule.$ref }];
  return Object.entries(rule).flatMap(([k, v]) => references(v, `${path}/${pointerToken(k)}`));
}

const pointerToken = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}
