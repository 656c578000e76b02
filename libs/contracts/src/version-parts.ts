// Several versions' bodies in one NATS message (subjects.inferVersions): a rollout's arms, batched apart, reach
// inference together, so splitting a model's traffic does not split its messages too. Parts are positional: the
// reply's part i answers the request's part i, so one version may appear more than once.
import { z } from 'zod';
import { ERROR_CODES, ErrorCode, invalid } from './errors';
import { decodeFrame, encodeFrame } from './framing';
import { parseOrThrow } from './validation';

export type VersionPart =
  /** A body: a tensor envelope asked of the version, or its answer. */
  | { version: string; body: Uint8Array }
  /** What this version alone met. */
  | { version: string; error: { code: ErrorCode; message: string } }
  /** The replica holds no ready session of the version: ask its own subject, which the replicas that do serve. */
  | { version: string; absent: true };

const headerSchema = z.object({
  parts: z.array(
    z.union([
      z.object({ version: z.string().min(1), byteLength: z.number().int().nonnegative() }),
      z.object({ version: z.string().min(1), error: z.object({ code: z.enum(ERROR_CODES), message: z.string() }) }),
      z.object({ version: z.string().min(1), absent: z.literal(true) }),
    ]),
  ),
});

type HeaderPart = z.infer<typeof headerSchema>['parts'][number];

export function encodeVersionParts(parts: readonly VersionPart[]): Uint8Array {
  const bodies = parts.flatMap((p) => ('body' in p ? [p.body] : []));
  const header = {
    parts: parts.map((p): HeaderPart => ('body' in p ? { version: p.version, byteLength: p.body.byteLength } : p)),
  };
  return encodeFrame(header, bodies);
}

export function decodeVersionParts(message: Uint8Array): VersionPart[] {
  const frame = decodeFrame(message, 'version parts');
  const { parts } = parseOrThrow(headerSchema, frame.header, 'version parts header');
  const decoded = parts.map((p): VersionPart => {
    if (!('byteLength' in p)) return p;
    const body = frame.payloads.next(p.byteLength);
    if (body.byteLength !== p.byteLength)
      throw invalid(`version parts: the part of "${p.version}" runs past the message`);
    return { version: p.version, body };
  });
  frame.payloads.end();
  return decoded;
}
