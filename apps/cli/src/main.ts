// aviary: the command line for the model registry (talks to NATS directly, like the services do).
// push, seed and compare load ONNX Runtime; they are imported when run, so every other command starts without it.
import { Command } from 'commander';
import { formatTable } from './commands/models-list';
import { versionStates } from '@aviary/model-registry';
import { serveVersion } from './commands/models-serve';
import { withNats, withRegistry } from './registry-session';
import { evaluateFlag, putFlagSet } from './commands/flags';
import { rolloutStatus } from './commands/rollout-status';
import { variantRows } from './commands/flags-ab';
import { formatVariantReport } from '@aviary/rollout';
import { ConfigError, DEFAULT_FLAG_SET } from '@aviary/contracts';
import { loadCliConfig } from './config';

const config = loadOrExit();

const program = new Command('aviary')
  .description('Aviary: from an ONNX file to live traffic')
  .option('--nats <url>', 'NATS server URL', config.NATS_URL);

const nats = () => program.opts<{ nats: string }>().nats;
const models = program.command('models').description('push and inspect model versions');

models
  .command('push <file>')
  .description('validate an ONNX model in ONNX Runtime and register it as a new version')
  .requiredOption('--name <name>', 'model name')
  .requiredOption('--version <version>', 'version (immutable once pushed)')
  .option('--spec <file>', 'feature spec JSON bundled with the version (enables /v1 predict on raw records)')
  .option('--metrics <file>', 'training metrics JSON stored in the manifest')
  .option('--sha256 <hex>', 'reject the push unless the file hashes to this')
  .option(
    '--eval <file>',
    'labelled records (JSON Lines with a "label" field) to score the version on before it is stored',
  )
  .option(
    '--gate <expression>',
    'quality gate on those scores, e.g. "auc >= 0.70"; a failing version is stored as rejected',
  )
  .option('--serve', 'make it the serving version of the model, whatever served before')
  .option('--no-serve', 'leave the serving version alone, even when the model has none yet')
  .action(async (file: string, options) => {
    const { cliPushPipeline, nextStep, pushModel } = await import('./commands/models-push');
    await withRegistry(nats(), async (registry) => {
      const { outcome, line } = await pushModel(await cliPushPipeline(registry), file, options);
      console.log(`${line}; ${nextStep(outcome)}`);
    });
  });

models
  .command('serve <name> <version>')
  .description("make a version the one that takes the model's unversioned traffic (it must not be rejected)")
  .action(async (name: string, version: string) => {
    console.log(await withRegistry(nats(), (registry) => serveVersion(registry, name, version)));
  });

models
  .command('list')
  .description('every version with its state (loading / ready / failed, with the reason)')
  .option('--json', 'print JSON')
  .action(async (options: { json?: boolean }) => {
    const rows = await withRegistry(nats(), (registry) => versionStates(registry));
    console.log(options.json ? JSON.stringify(rows, null, 2) : formatTable(rows));
  });

models
  .command('compare <name> <versions...>')
  .description('score versions of a model on the same labelled records (JSON Lines with a "label" field), side by side')
  .requiredOption('--eval <file>', 'labelled records, one JSON object per line')
  .action(async (name: string, versions: string[], options: { eval: string }) => {
    const { scoreVersionsSideBySide } = await import('./commands/models-compare');
    console.log(
      await withRegistry(nats(), (registry) =>
        scoreVersionsSideBySide(registry, { name, versions, eval: options.eval }),
      ),
    );
  });

models
  .command('seed <dir>')
  .description('push every <dir>/<name>/<version>/ bundle that is not registered yet')
  .action(async (dir: string) => {
    const { seedModels } = await import('./commands/models-seed');
    await withRegistry(nats(), (registry) => seedModels(registry, dir, (line) => console.log(line)));
  });

const flags = program.command('flags').description('flagd flag sets');

flags
  .command('put <file>')
  .description('validate a flagd flag-definition file and store it as a flag set')
  .option('--set <name>', 'flag set name', DEFAULT_FLAG_SET)
  .action(async (file: string, options: { set: string }) => {
    console.log(await withNats(nats(), (nc) => putFlagSet(nc, file, options.set)));
  });

flags
  .command('evaluate <flag>')
  .description('evaluate a flag through the flags service')
  .option('--set <name>', 'flag set name', DEFAULT_FLAG_SET)
  .option('--context <json>', 'evaluation context as JSON', '{}')
  .action(async (flag: string, options: { set: string; context: string }) => {
    const request = { flagSet: options.set, flag, context: JSON.parse(options.context) };
    console.log(JSON.stringify(await withNats(nats(), (nc) => evaluateFlag(nc, request)), null, 2));
  });

flags
  .command('ab <model>')
  .description("the arms of a model's version flag: requests, errors, latency and predictions per variant")
  .option('--json', 'print JSON')
  .action(async (model: string, options: { json?: boolean }) => {
    const rows = await withNats(nats(), (nc) => variantRows(nc, model));
    console.log(options.json ? JSON.stringify(rows, null, 2) : formatVariantReport(model, rows));
  });

program
  .command('rollout')
  .description('progressive delivery')
  .command('status')
  .description('the models and the version each serves')
  .action(async () => {
    console.log(JSON.stringify(await withNats(nats(), rolloutStatus), null, 2));
  });

const batch = program.command('batch').description('batch scoring jobs over large files');

batch
  .command('submit <file>')
  .description('score a JSON Lines, CSV or Parquet file with a model version, spread over the batch workers')
  .requiredOption('--model <name>', 'model name')
  .option('--version <version>', 'model version (default: the one serving now), pinned for the whole job')
  .option('--out <file>', 'with --watch: where to download the output (errors go to <file>.errors.jsonl)')
  .option('--keep <columns>', 'input columns copied into each output row, comma-separated')
  .option('--format <format>', 'output format: jsonl or csv', 'jsonl')
  .option('--input-format <format>', 'jsonl, csv or parquet (default: from the file extension)')
  .option('--chunk-rows <n>', 'rows per chunk of a text input (Parquet chunks are its row groups)')
  .option('--watch', 'show progress until the job ends, then download the output to --out')
  .action(async (file: string, options) => {
    const { submitCommand } = await import('./commands/batch');
    process.exitCode = await withNats(nats(), (nc) => submitCommand(nc, file, options));
  });

batch
  .command('status <job>')
  .description("a job's state and progress: rows done of total, rows/s, ETA, errors")
  .option('--json', 'print JSON')
  .option('--watch', 'redraw until the job ends')
  .action(async (id: string, options: { json?: boolean; watch?: boolean }) => {
    const { statusCommand, watchJob } = await import('./commands/batch');
    const { BatchStore, progressLine } = await import('@aviary/batch');
    await withNats(nats(), async (nc) => {
      if (options.watch) return void (await watchJob(await BatchStore.open(nc), id));
      const status = await statusCommand(nc, id);
      console.log(
        options.json ? JSON.stringify(status, null, 2) : `${status.job.state}  ${progressLine(status.progress)}`,
      );
    });
  });

batch
  .command('list')
  .description('every batch job with its state')
  .option('--json', 'print JSON')
  .action(async (options: { json?: boolean }) => {
    const { formatJobs, listCommand } = await import('./commands/batch');
    const jobs = await withNats(nats(), listCommand);
    console.log(options.json ? JSON.stringify(jobs, null, 2) : formatJobs(jobs));
  });

batch
  .command('cancel <job>')
  .description('stop a running job; it records how many rows it got through')
  .action(async (id: string) => {
    const { cancelCommand } = await import('./commands/batch');
    console.log(await withNats(nats(), (nc) => cancelCommand(nc, id)));
  });

batch
  .command('download <job>')
  .description("a completed job's output and errors file")
  .requiredOption('--out <file>', 'where to write the output')
  .option('--errors <file>', 'where to write the errors (default: <out>.errors.jsonl)')
  .action(async (id: string, options: { out: string; errors?: string }) => {
    const { downloadCommand } = await import('./commands/batch');
    await withNats(nats(), (nc) => downloadCommand(nc, id, options));
  });

const schedule = batch.command('schedule').description('batch jobs on a cron schedule (UTC), run by one scheduler');

schedule
  .command('create <name> [file]')
  .description('score FILE (uploaded once) or --object on a schedule; a run missed while down runs once')
  .requiredOption('--cron <pattern>', 'cron pattern, UTC, e.g. "0 2 * * *" (a 6th leading field is seconds)')
  .requiredOption('--model <name>', 'model name')
  .option('--version <version>', 'model version (default: the one serving at each run)')
  .option('--object <name>', 'an input already in the aviary_batch object store')
  .option('--keep <columns>', 'input columns copied into each output row, comma-separated')
  .option('--format <format>', 'output format: jsonl or csv', 'jsonl')
  .action(async (name: string, file: string | undefined, options) => {
    const { scheduleCreateCommand } = await import('./commands/batch');
    console.log(await withNats(nats(), (nc) => scheduleCreateCommand(nc, name, file, options)));
  });

schedule
  .command('list')
  .description('every schedule with its last run')
  .action(async () => {
    const { scheduleListCommand } = await import('./commands/batch');
    console.log(JSON.stringify(await withNats(nats(), scheduleListCommand), null, 2));
  });

schedule
  .command('delete <name>')
  .description('stop a schedule (jobs it submitted are kept)')
  .action(async (name: string) => {
    const { scheduleDeleteCommand } = await import('./commands/batch');
    console.log(await withNats(nats(), (nc) => scheduleDeleteCommand(nc, name)));
  });

function loadOrExit(): ReturnType<typeof loadCliConfig> {
  try {
    return loadCliConfig();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(`aviary: ${e.message}`);
    process.exit(1);
  }
}

program.parseAsync().catch((error: Error) => {
  console.error(`aviary: ${error.message}`);
  process.exit(1);
});
