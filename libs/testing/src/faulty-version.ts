// Pushes a faulty flight-delay version for rollout tests and benches: v2's graph failing at run time on flights
// longer than about 1,200 miles (failingGraph), with v2's feature spec, not served.
import { Stack, workspaceRoot } from '@aviary/supervisor';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { failingGraph } from './failing-graph';

/** Writes the bundle into `dir`, pushes it as `version` of flight-delay and waits until a replica has it warm. */
export async function pushFaultyFlightDelay(stack: Stack, dir: string, version: string): Promise<void> {
  const bundle = join(workspaceRoot(), 'models/flight-delay/2');
  const onnx = join(dir, 'faulty.onnx');
  const spec = join(dir, 'feature-spec.json');
  writeFileSync(
    onnx,
    failingGraph(readFileSync(join(bundle, 'model.onnx')), {
      input: 'features',
      column: 0,
      above: 1,
      output: 'probabilities',
    }),
  );
  copyFileSync(join(bundle, 'feature-spec.json'), spec);
  const pushed = stack.cli([
    'models',
    'push',
    onnx,
    '--name',
    'flight-delay',
    '--version',
    version,
    '--spec',
    spec,
    '--no-serve',
  ]);
  if (pushed.code !== 0) throw new Error(`pushing the faulty version failed: ${pushed.stdout}${pushed.stderr}`);
  await stack.waitForModel('flight-delay', version);
}
