// Third-party fixtures live in ../shared beside the workspace, never copied in. Without them a developer's run skips
// the suites that need them; under CI (CI=true) their absence fails those suites instead of passing silently.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@aviary/supervisor';

export const sklearnFixturesDir = () => join(workspaceRoot(), '..', 'shared', 'fixtures', 'sklearn-onnx');

/** `describe` when `dir` exists; otherwise `describe.skip`, or under CI a suite with one failing test that says why. */
export function describeWithFixtures(dir: string, name: string, suite: () => void): void {
  if (existsSync(dir)) describe(name, suite);
  else if (process.env.CI === 'true')
    describe(name, () => {
      it(`needs ${dir}`, () => {
        throw new Error(`${dir} is missing: CI runs with the shared fixtures beside the workspace`);
      });
    });
  else describe.skip(name, suite);
}
