// aviary: the command line for the model registry (talks to NATS directly, like the services do).
// push, seed and compare load ONNX Runtime; they are imported when run, so every other command starts without it.
import { Command, InvalidArgumentError } from 'commander';
import { formatTable } from './commands/models-list';
import { versionStates } from '@aviary/model-registry';
import { serveCommand } from './commands/models-serve';
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
import {
  applyRollout,
  describeRolloutRejection,
  openRolloutAdmin,
  rolloutCommand,
  rolloutHistory,
  rolloutStatusText,
  servingAndRollouts,
} from './commands/rollout';
import { RolloutAdmin, RolloutCommand, RolloutRejected } from '@aviary/rollout';
import { NatsConnection } from 'nats';
import { variantRows } from './commands/flags-ab';
import { formatVariantReport } from '@aviary/rollout';
import { ConfigError, DEFAULT_FLAG_SET } from '@aviary/contracts';
import { loadCliConfig } from './config';
import { formatSites, TELEMETRY_KINDS, TelemetryKindName, telemetrySites, telemetryTail } from './commands/telemetry';

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
      const locked = options.serve === true && (await (await openRolloutAdmin(registry)).servingLock(options.name));
      if (locked) throw new Error(`--serve refused: ${locked}`);
      const { outcome, line } = await pushModel(await cliPushPipeline(registry), file, options);
      console.log(`${line}; ${nextStep(outcome)}`);
    });
  });

models
  .command('serve <name> <version>')
  .description("make a version the one that takes the model's unversioned traffic (it must not be rejected)")
  .action(async (name: string, version: string) => {
    console.log(
      await withRegistry(nats(), async (registry) =>
        serveCommand(registry, await openRolloutAdmin(registry), { name, version }),
      ),
    );
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

const rollout = program
  .command('rollout')
  .description('progressive delivery: canary and blue/green rollouts gated by analysis');
const withRollouts = <T>(run: (admin: RolloutAdmin, nc: NatsConnection) => Promise<T>) =>
  withRegistry(nats(), async (registry, nc) => run(await openRolloutAdmin(registry), nc));

rollout
  .command('apply')
  .description(
    'validate a Rollout document (YAML or JSON) whole, every problem listed, and start or update its rollout',
  )
  .requiredOption('-f, --file <file>', 'Rollout document')
  .action(async (options: { file: string }) => {
    console.log(await withRollouts((admin) => applyRollout(admin, options.file)));
  });

rollout
  .command('status [model]')
  .description(
    "a model's rollout (steps, weights, measurements, phase); without a model, every model's serving version and rollout (JSON)",
  )
  .option('--watch', 'redraw the view every second until interrupted')
  .option('--json', 'print JSON')
  .action(async (model: string | undefined, options: { watch?: boolean; json?: boolean }) => {
    if (model === undefined) {
      console.log(JSON.stringify(await withRollouts((admin, nc) => servingAndRollouts(nc, admin)), null, 2));
      return;
    }
    if (options.json) {
      console.log(JSON.stringify(await withRollouts((admin) => admin.get(model)), null, 2));
      return;
    }
    if (!options.watch) {
      console.log(await withRollouts((admin) => rolloutStatusText(admin, model)));
      return;
    }
    await withRollouts(async (admin) => {
      for (;;) {
        const view = await rolloutStatusText(admin, model);
        process.stdout.write(`\x1b[2J\x1b[H${view}\n\n(watching; Ctrl-C to stop)\n`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    });
  });

const commands: [RolloutCommand, string][] = [
  ['pause', 'hold the rollout where it is (the background analysis keeps measuring)'],
  ['resume', 'continue a paused rollout: past an indefinite pause, or the current step again'],
  ['abort', 'send all traffic back to stable now (Degraded); stable keeps serving'],
  ['retry', 'run a Degraded rollout again from the first step'],
  [
    'undo',
    'back to the previous stable: after Healthy the serving pointer moves back (blue/green: within its scale-down window), otherwise as abort',
  ],
];
rollout
  .command('promote <model>')
  .description(
    'skip the current step (a pause, an analysis; blue/green: switch all traffic now); --full skips every step and makes the candidate serve',
  )
  .option('--full', 'skip every remaining step')
  .action(async (model: string, options: { full?: boolean }) => {
    console.log(await withRollouts((admin) => rolloutCommand(admin, model, options.full ? 'promote-full' : 'promote')));
  });
for (const [command, description] of commands)
  rollout
    .command(`${command} <model>`)
    .description(description)
    .action(async (model: string) => {
      console.log(await withRollouts((admin) => rolloutCommand(admin, model, command)));
    });

rollout
  .command('history <model>')
  .description("a model's rollout events on AVIARY_EVENTS: transitions, steps and every measurement")
  .option('--json', 'print JSON')
  .action(async (model: string, options: { json?: boolean }) => {
    console.log(await withRollouts((admin) => rolloutHistory(admin, model, options.json)));
  });

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a revision number, got "${value}"`);
  return n;
}

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
  .option('--chunk-rows <n>', 'rows per chunk at most (a Parquet chunk stays within one row group)')
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

const edge = program.command('edge').description('edge sites: what an edge agent serves offline');

edge
  .command('bundle')
  .description(
    'write a bundle directory an edge agent serves offline (AVIARY_EDGE_BUNDLE): graphs, specs, flags, checksums',
  )
  .requiredOption(
    '--model <name[@version]>',
    'a model to bundle (repeatable); its serving version unless @version',
    collect,
    [],
  )
  .option('--version <version>', 'the version of a single --model')
  .requiredOption('--out <dir>', 'the bundle directory to write')
  .option('--set <name>', 'the model flag set to bundle', DEFAULT_FLAG_SET)
  .action(async (options: { model: string[]; version?: string; out: string; set: string }) => {
    const { writeEdgeBundle } = await import('./commands/edge-bundle');
    const lines = await withRegistry(nats(), (registry) =>
      writeEdgeBundle(registry, {
        models: options.model,
        version: options.version,
        out: options.out,
        flagSet: options.set,
      }),
    );
    for (const line of lines) console.log(line);
  });

const telemetry = program
  .command('telemetry')
  .description("leaf sites' telemetry as the hub holds it (AVIARY_TELEMETRY): prediction logs, summaries, events");

telemetry
  .command('sites')
  .description('per site: messages the hub holds, by kind, and when the newest was stored at the site')
  .action(async () => {
    console.log(formatSites(await withNats(nats(), telemetrySites)));
  });

telemetry
  .command('tail')
  .description('the newest records, one JSON object a line, oldest first')
  .option('--site <name>', 'one site only')
  .option('--kind <kind>', 'predictions, metrics or events', telemetryKind)
  .option('-n <count>', 'how many records', positiveCount, 20)
  .action(async (options: { site?: string; kind?: TelemetryKindName; n: number }) => {
    const lines = await withNats(nats(), (nc) =>
      telemetryTail(nc, { site: options.site, kind: options.kind, count: options.n }),
    );
    for (const line of lines) console.log(line);
  });

function telemetryKind(value: string): TelemetryKindName {
  if (!(TELEMETRY_KINDS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`expected one of ${TELEMETRY_KINDS.join(', ')}, got "${value}"`);
  return value as TelemetryKindName;
}

function positiveCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive whole number, got "${value}"`);
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
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
  const message =
    error instanceof FlagSetRejected
      ? describeRejection(error)
      : error instanceof RolloutRejected
        ? describeRolloutRejection(error)
        : error.message;
  console.error(`aviary: ${message}`);
  process.exit(1);
});
