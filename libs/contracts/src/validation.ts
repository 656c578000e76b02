// Turns a zod failure into one readable INVALID_ARGUMENT message naming each bad field.
import { z } from 'zod';
import { invalid } from './errors';

export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
  throw invalid(`${what}: ${problems.join('; ')}`);
}
