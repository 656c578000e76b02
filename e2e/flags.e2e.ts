// The flags service evaluates a flagd flag set stored in KV; an invalid set is rejected whole and the
// last good one keeps answering.
import { startStack, Stack, waitFor } from '@aviary/testing';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const flagSet = {
  flags: {
    'new-model': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: { if: [{ ends_with: [{ var: 'email' }, '@aviary.dev'] }, 'on', 'off'] },
    },
  },
};

describe('flags service', () => {
  let stack: Stack;
  const dir = mkdtempSync(join(tmpdir(), 'aviary-flags-'));
  const evaluate = (context: object) =>
    stack.cli(['flags', 'evaluate', 'new-model', '--context', JSON.stringify(context)]);

  beforeAll(async () => {
    stack = await startStack({ services: ['flags'], seed: false });
  });

  afterAll(() => stack?.stop());

  it('evaluates targeting from a flag set stored with the CLI', async () => {
    writeFileSync(join(dir, 'flags.json'), JSON.stringify(flagSet));
    expect(stack.cli(['flags', 'apply', '-f', join(dir, 'flags.json')])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/new-model/),
    });
    await waitFor('the flag set to load', async () => evaluate({}).code === 0, 10_000);
    expect(JSON.parse(evaluate({ email: 'ana@aviary.dev' }).stdout)).toMatchObject({
      value: true,
      variant: 'on',
      reason: 'TARGETING_MATCH',
    });
    expect(JSON.parse(evaluate({ email: 'bo@example.com' }).stdout)).toMatchObject({ value: false, variant: 'off' });
  });

  it('refuses an invalid flag set whole', () => {
    const invalid = {
      flags: { ...flagSet.flags, broken: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'missing' } },
    };
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(invalid));
    const result = stack.cli(['flags', 'apply', '-f', join(dir, 'bad.json')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/invalid flag set/);
    expect(JSON.parse(evaluate({ email: 'ana@aviary.dev' }).stdout)).toMatchObject({ value: true });
  });

  it('evaluates every flag of the set for a context when no flag is named', () => {
    const all = stack.cli(['flags', 'evaluate', '--context', JSON.stringify({ email: 'ana@aviary.dev' })]);
    expect(all).toMatchObject({ code: 0 });
    expect(JSON.parse(all.stdout)).toEqual({
      flags: [{ key: 'new-model', value: true, variant: 'on', reason: 'TARGETING_MATCH', metadata: {} }],
    });
  });

  it('answers NOT_FOUND for an unknown flag', () => {
    const result = stack.cli(['flags', 'evaluate', 'nope']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/flag "nope" is not defined/);
  });
});
