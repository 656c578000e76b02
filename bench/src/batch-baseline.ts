// The batch bench's baseline: one process reads the file and scores it with the same readers, scorer and writer as
// batch-worker, writing the output to a local file, with no NATS. Prints one JSON line: rows, seconds, peak RSS.
// Usage: node dist/bench/src/batch-baseline.js FILE MODEL_DIR
import { loadVersionForBatch, formatOf, outputWriter, planInput, readChunk, scoreChunk } from '@aviary/batch';
import { once } from 'node:events';
import { createWriteStream, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peakRssKiB } from './batch-usage';

async function main(file: string, modelDir: string): Promise<void> {
  const version = await loadVersionForBatch({
    onnx: readFileSync(join(modelDir, 'model.onnx')),
    featureSpec: JSON.parse(readFileSync(join(modelDir, 'feature-spec.json'), 'utf8')),
    name: modelDir,
  });
  const started = performance.now();
  const format = formatOf(file);
  const plan = await planInput(file, format);
  const inputs = version.spec.inputs;
  const source = { path: file, format, columns: plan.columns, needed: inputs.map((i) => i.name), inputs };
  const writer = outputWriter('jsonl', [], version.spec.prediction);
  const outPath = join(tmpdir(), `aviary-batch-baseline-${process.pid}.jsonl`);
  const out = createWriteStream(outPath);
  let rows = 0;
  for (const chunk of plan.chunks) {
    const result = await scoreChunk(readChunk(source, chunk), version.scorer, writer, async (piece) => {
      if (!out.write(piece)) await once(out, 'drain');
    });
    rows += result.rowsScored + result.rowsFailed;
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
  const seconds = (performance.now() - started) / 1000;
  rmSync(outPath);
  await version.release();
  console.log(JSON.stringify({ rows, seconds, peakRssKiB: peakRssKiB(process.pid) }));
}

main(process.argv[2], process.argv[3]).catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
