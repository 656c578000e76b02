// aviary: the command line for the model registry (talks to NATS directly, like the services do).
// push, seed and compare load ONNX Runtime; they are imported when run, so every other command starts without it.
import { Command, InvalidArgumentError } from 'commander';
import { formatTable } from './commands/models-list';
import { versionStates } from '@aviary/model-registry';
import { serveVersion } from './commands/models-serve';
import { withNats, withRegistry } from './registry-session';
import {
  applyFlagSet,
  describeRejection,
  diffFlagSet,
  evaluateFlag,
  flagSetHistory,
  flagSetLog,
  openFlagSetAdmin,
  rollbackFlagSet,
} from './commands/flags';
import { FlagSetAdmin, FlagSetRejected } from '@aviary/flags-engine';
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

const withFlagSets = <T>(run: (admin: FlagSetAdmin) => Promise<T>) =>
  withRegistry(nats(), async (registry) => run(await openFlagSetAdmin(registry)));
const setOption = ['--set <name>', 'flag set name', DEFAULT_FLAG_SET] as const;

flags
  .command('apply')
  .description('validate a flagd flag-definition file whole (every problem listed) and store it as a new revision')
  .requiredOption('-f, --file <file>', 'flagd flag-definition JSON')
  .option(...setOption)
  .option('--lenient', "load as flagd does: flags that only break flagd's schema answer PARSE_ERROR")
  .action(async (options: { file: string; set: string; lenient?: boolean }) => {
    console.log(await withFlagSets((admin) => applyFlagSet(admin, options)));
  });

flags
  .command('get')
  .description("print a flag set's document (the current one, or any earlier revision)")
  .option(...setOption)
  .option('--revision <n>', 'revision to print', positiveInteger)
  .action(async (options: { set: string; revision?: number }) => {
    const stored = await withFlagSets((admin) => admin.get(options.set, options.revision));
    process.stdout.write(stored.document.endsWith('\n') ? stored.document : `${stored.document}\n`);
  });

flags
  .command('diff')
  .description('what applying a file would change, flag by flag (changes nothing)')
  .requiredOption('-f, --file <file>', 'flagd flag-definition JSON')
  .option(...setOption)
  .action(async (options: { file: string; set: string }) => {
    console.log(await withFlagSets((admin) => diffFlagSet(admin, options)));
  });

flags
  .command('history')
  .description("a flag set's revisions: time, revision, kind, changed flags")
  .option(...setOption)
  .action(async (options: { set: string }) => {
    console.log(await withFlagSets((admin) => flagSetHistory(admin, options.set)));
  });

flags
  .command('rollback')
  .description("re-apply an earlier revision's document as a new revision (validated again)")
  .requiredOption('--to <revision>', 'revision whose document to restore', positiveInteger)
  .option(...setOption)
  .action(async (options: { set: string; to: number }) => {
    console.log(await withFlagSets((admin) => rollbackFlagSet(admin, options)));
  });

flags
  .command('log')
  .description('the flag change events on AVIARY_EVENTS, with their diffs')
  .option('--set <name>', 'only this flag set (default: every set)')
  .option('--json', 'print the events as JSON')
  .action(async (options: { set?: string; json?: boolean }) => {
    console.log(await withFlagSets((admin) => flagSetLog(admin, options)));
  });

flags
  .command('delete')
  .description('delete a flag set (its history stays in the log)')
  .option(...setOption)
  .action(async (options: { set: string }) => {
    const { revision } = await withFlagSets((admin) => admin.remove(options.set));
    console.log(`flag set "${options.set}" deleted (revision ${revision})`);
  });

flags
  .command('evaluate [flag]')
  .description('evaluate a flag (or, without one, every flag of the set) through the flags service')
  .option('--set <name>', 'flag set name', DEFAULT_FLAG_SET)
  .option('--context <json>', 'evaluation context as JSON', '{}')
  .action(async (flag: string | undefined, options: { set: string; context: string }) => {
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

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a revision number, got "${value}"`);
  return n;
}

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
  console.error(`aviary: ${error instanceof FlagSetRejected ? describeRejection(error) : error.message}`);
  process.exit(1);
});
