import { z } from 'zod';
import { AviaryError } from './errors';
import { parseOrThrow } from './validation';

const schema = z.object({
  name: z.string().min(1),
  replicas: z.number().int().positive(),
  tags: z.array(z.string()).optional(),
});

function rejection(value: unknown, what = 'rollout request'): AviaryError {
  try {
    parseOrThrow(schema, value, what);
  } catch (e) {
    expect(e).toBeInstanceOf(AviaryError);
    return e as AviaryError;
  }
  throw new Error('expected parseOrThrow to throw');
}

describe('parseOrThrow', () => {
  it('returns the parsed value when it fits the schema', () => {
    expect(parseOrThrow(schema, { name: 'a', replicas: 2 }, 'rollout request')).toEqual({ name: 'a', replicas: 2 });
  });

  it('names every bad field with its path in one INVALID_ARGUMENT message', () => {
    const error = rejection({ name: '', replicas: 1.5, tags: ['ok', 3] });
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/^rollout request: /);
    expect(error.message).toContain('name: Too small');
    expect(error.message).toContain('replicas: Invalid input: expected int, received number');
    expect(error.message).toContain('tags.1: Invalid input: expected string, received number');
    expect(error.message.split('; ')).toHaveLength(3);
  });

  it('gives the bare message when the value itself is wrong, not a field', () => {
    expect(rejection('nope', 'model version').message).toBe(
      'model version: Invalid input: expected object, received string',
    );
  });
});
