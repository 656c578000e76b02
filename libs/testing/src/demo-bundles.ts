// The demo models' bundles (models/<name>/<version>, written by tools/train) pushed again under another version:
// the same graph and feature spec as a new version, for a test that needs one more (or a faulty) version of a model.
import { CliResult, Stack, workspaceRoot } from '@aviary/supervisor';
import { join } from 'node:path';

export function pushDemoBundleAs(
  stack: Pick<Stack, 'cli'>,
  { model, from, version, serve }: { model: string; from: string; version: string; serve: boolean },
): CliResult {
  const bundle = join(workspaceRoot(), 'models', model, from);
  const files = [join(bundle, 'model.onnx'), '--spec', join(bundle, 'feature-spec.json')];
  return stack.cli([
    'models',
    'push',
    ...files,
    '--name',
    model,
    '--version',
    version,
    serve ? '--serve' : '--no-serve',
  ]);
}
