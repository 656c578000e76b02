// `aviary models compare NAME V1 V2 --eval data.jsonl`: both versions scored on the same labelled records,
// each through its own feature spec (or, without one, its inputs and its label or value output) and ONNX Runtime,
// side by side.
import { ModelManifest } from '@aviary/contracts';
import { Evaluation, evaluateVersion, parseJsonLines } from '@aviary/evaluation';
import { parseFeatureSpec } from '@aviary/features';
import { ModelSession } from '@aviary/inference-engine';
import { ModelRegistry } from '@aviary/model-registry';
import { readFile } from 'node:fs/promises';

export async function evaluateStored(
  registry: ModelRegistry,
  manifest: ModelManifest,
  records: unknown[],
): Promise<Evaluation> {
  const spec = manifest.featureSpec === undefined ? undefined : parseFeatureSpec(manifest.featureSpec);
  const session = await ModelSession.load(await registry.fetchModel(manifest));
  try {
    return await evaluateVersion({ scorer: session, spec, rewrites: manifest.rewrites, records });
  } finally {
    await session.release();
  }
}

/** Scores stored versions on the same labelled records and prints their figures side by side. */
export async function scoreVersionsSideBySide(
  registry: ModelRegistry,
  options: { name: string; versions: string[]; eval: string },
): Promise<string> {
  const records = parseJsonLines(await readFile(options.eval, 'utf8'), options.eval);
  const results: { version: string; evaluation: Evaluation }[] = [];
  for (const version of options.versions) {
    results.push({
      version,
      evaluation: await evaluateStored(registry, await registry.get(options.name, version), records),
    });
  }
  const metricNames = [...new Set(results.flatMap((r) => Object.keys(r.evaluation.metrics)))].filter((k) =>
    results.every((r) => typeof (r.evaluation.metrics as unknown as Record<string, unknown>)[k] === 'number'),
  );
  const rows = [['metric', ...results.map((r) => `${options.name} v${r.version}`)]];
  for (const metric of metricNames) {
    rows.push([
      metric,
      ...results.map((r) => (r.evaluation.metrics as unknown as Record<string, number>)[metric].toFixed(4)),
    ]);
  }
  rows.push(['rows', ...results.map((r) => String(r.evaluation.rows))]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows
    .map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '))
    .join('\n');
}
