// Request headers as flag targeting reads them: a rule's `{var: "$header.x-canary"}` sees the request's X-Canary
// header (REST) or metadata (gRPC). Copying every header into every evaluation context would cost each predict; the
// gateway copies only the headers its flag sets name, found once per flag set revision by headersNamedBy.
import { HEADER_CONTEXT_KEY, RequestContext } from '@aviary/contracts';
import type { FlagSet } from './flag-set';

/** A request's header (lower-case name) as text, undefined when absent. */
export type HeaderLookup = (name: string) => string | undefined;

const PREFIX = `${HEADER_CONTEXT_KEY}.`;

/** The lower-case header names the set's targeting reads through `{var: "$header.<name>"}`, sorted, once each. */
export function headersNamedBy(set: FlagSet | undefined): string[] {
  if (!set) return [];
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      const path = key === 'var' ? (Array.isArray(value) ? value[0] : value) : undefined;
      if (typeof path === 'string' && path.startsWith(PREFIX)) names.add(path.slice(PREFIX.length).toLowerCase());
      else visit(value);
    }
  };
  visit(JSON.parse(set.source));
  return [...names].sort();
}

/**
 * The context with the named headers under `$header` (replacing any the body sent, so a rule reads only real
 * headers); the context itself when no flag names a header, so the common path allocates nothing.
 */
export function withHeaders(context: RequestContext, names: readonly string[], header?: HeaderLookup): RequestContext {
  if (!names.length || !header) return context;
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = header(name);
    if (value !== undefined) headers[name] = value;
  }
  return { ...context, [HEADER_CONTEXT_KEY]: headers };
}
