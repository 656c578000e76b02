// `npm run train`: trains the demo models from vega-datasets, writes their bundles and prints held-out metrics.
// Usage: node dist/tools/train/src/main.js [--out DIR] [--only NAME]
import { parseArgs } from 'node:util';
import { writeBundle } from './bundle-files';
import { DATASETS, DatasetName, LabelledDataset } from './datasets';
import { MODELS } from './models';
import { formatReport, ReportRow } from './report';
import { trainModel } from './train-model';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'models' }, only: { type: 'string' } } });
  const recipes = MODELS.filter((m) => values.only === undefined || m.name === values.only);
  if (recipes.length === 0) {
    throw new Error(
      `--only ${values.only}: no such model; known: ${[...new Set(MODELS.map((m) => m.name))].join(', ')}`,
    );
  }
  const datasets = new Map<DatasetName, LabelledDataset>();
  const rows: ReportRow[] = [];
  for (const recipe of recipes) {
    const started = performance.now();
    const dataset = datasets.get(recipe.dataset) ?? DATASETS[recipe.dataset]();
    datasets.set(recipe.dataset, dataset);
    const bundle = await trainModel(recipe, dataset);
    const dir = await writeBundle(values.out, bundle);
    rows.push({ metrics: bundle.metrics, seconds: (performance.now() - started) / 1000 });
    console.log(`wrote ${dir} (ONNX Runtime matches the trainer within ${bundle.ortMaxDifference.toExponential(1)})`);
  }
  console.log(`\n${formatReport(rows)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
