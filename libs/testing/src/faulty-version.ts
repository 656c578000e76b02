// Pushes a faulty flight-delay version for rollout tests and benches: v2's graph failing at run time on flights
// longer than about 1,200 miles (failingGraph), with v2's feature spec, not served.
import { Stack, workspaceRoot } from '@aviary/supervisor';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { failingGraph } from './failing-graph';

/**
 * Writes flight-delay v2's graph to `file`, failing at run time on rows whose scaled distance (feature column 0) is
 * above `above` (1: flights longer than about 1,200 miles), as a broken export would.
 */
export function writeFaultyFlightDelay(file: string, above: number): void {
  const graph = readFileSync(join(workspaceRoot(), 'models/flight-delay/2/model.onnx'));
  writeFileSync(file, failingGraph(graph, { input: 'features', column: 0, above, output: 'probabilities' }));
}

/** Writes the bundle into `dir`, pushes it as `version` of flight-delay and waits until a replica has it warm. */
export async function pushFaultyFlightDelay(stack: Stack, dir: string, version: string): Promise<void> {
  const bundle = join(workspaceRoot(), 'models/flight-delay/2');
  const onnx = join(dir, 'faulty.onnx');
  const spec = join(dir, 'feature-spec.json');
  writeFaultyFlightDelay(onnx, 1);
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
