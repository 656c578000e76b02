// The whole platform as real processes: nats-server, every service, demo models pushed by the CLI.
// Used by the e2e tests and by `npm start`, so both run the services exactly as compose does.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { NatsServer, startNatsServer } from './nats-server';
import { freePort } from './ports';
import { ManagedProcess, spawnManaged, waitFor } from './process';
import { appEntry, workspaceRoot } from './workspace';

export const SERVICES = [
  'inference',
  'preprocessor',
  'flags',
  'rollout-controller',
  'batch-worker',
  'gateway',
] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface ServiceProcess extends ManagedProcess {
  service: ServiceName;
  httpUrl: string;
}

export interface StackOptions {
  /** Use this NATS instead of starting one. */
  natsUrl?: string;
  /** JetStream directory of the nats-server the stack starts (temporary when not given). */
  natsStoreDir?: string;
  /** Port of the nats-server the stack starts (a free one when not given). */
  natsPort?: number;
  services?: readonly ServiceName[];
  replicas?: Partial<Record<ServiceName, number>>;
  /** Folder of model bundles to push before the services start; false to push none. */
  seed?: string | false;
  /** Extra environment for every service (e.g. OTEL_EXPORTER_OTLP_ENDPOINT). */
  env?: NodeJS.ProcessEnv;
  httpPort?: number;
  grpcPort?: number;
  /** Prefix every output line with its process name on this stream (npm start). */
  echo?: NodeJS.WritableStream;
  readyTimeoutMs?: number;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI (its built entry) run to its end, with `env` (e.g. NATS_URL) over this process's environment. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const result = spawnSync(process.execPath, [appEntry('cli'), ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    cwd: workspaceRoot(),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface Stack {
  natsUrl: string;
  nats?: NatsServer;
  gateway: { httpUrl: string; grpcAddress: string };
  processes: ServiceProcess[];
  startService(service: ServiceName, env?: NodeJS.ProcessEnv): Promise<ServiceProcess>;
  cli(args: string[]): CliResult;
  waitForModel(model: string, version?: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const root = workspaceRoot();
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const nats = options.natsUrl
    ? undefined
    : await startNatsServer({ storeDir: options.natsStoreDir, port: options.natsPort, echo: options.echo });
  const natsUrl = options.natsUrl ?? nats!.url;
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, NATS_URL: natsUrl, AVIARY_HOST: '127.0.0.1', ...options.env };
  const processes: ServiceProcess[] = [];

  const cli = (args: string[]) => runCli(args, baseEnv);

  const startService = async (service: ServiceName, env: NodeJS.ProcessEnv = {}): Promise<ServiceProcess> => {
    const httpPort = service === 'gateway' && options.httpPort !== undefined ? options.httpPort : await freePort();
    const replica = processes.filter((p) => p.service === service).length;
    const name = replica ? `${service}-${replica + 1}` : service;
    const managed = spawnManaged(name, process.execPath, [appEntry(service)], {
      env: { ...baseEnv, AVIARY_HTTP_PORT: String(httpPort), ...env },
      echo: options.echo,
      cwd: root,
    });
    const started: ServiceProcess = { ...managed, service, httpUrl: `http://127.0.0.1:${httpPort}` };
    processes.push(started);
    await waitFor(
      `${name} to be ready`,
      async () => (await fetch(`${started.httpUrl}/health/ready`)).ok,
      readyTimeoutMs,
      managed,
    );
    return started;
  };

  const stop = async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await nats?.stop();
  };

  try {
    if (options.seed !== false) {
      const seeded = cli(['models', 'seed', options.seed ?? join(root, 'models')]);
      if (seeded.code !== 0) throw new Error(`seeding the demo models failed:\n${seeded.stdout}${seeded.stderr}`);
      options.echo?.write(seeded.stdout.replace(/^/gm, `${'seed'.padEnd(18)}| `));
    }
    const grpcPort = options.grpcPort ?? (await freePort());
    const wanted = options.services ?? SERVICES;
    // Gateway last: its readiness needs the others to answer.
    for (const service of wanted.filter((s) => s !== 'gateway')) {
      const count = options.replicas?.[service] ?? 1;
      await Promise.all(Array.from({ length: count }, () => startService(service)));
    }
    let gatewayUrl = '';
    if (wanted.includes('gateway')) {
      gatewayUrl = (await startService('gateway', { AVIARY_GRPC_PORT: String(grpcPort) })).httpUrl;
    }
    const waitForModel = (model: string, version?: string) => {
      const path = version ? `/v2/models/${model}/versions/${version}/ready` : `/v2/models/${model}/ready`;
      return waitFor(
        `${model}${version ? ` version ${version}` : ''} to be ready`,
        async () => (await fetch(`${gatewayUrl}${path}`)).ok,
        readyTimeoutMs,
      );
    };
    return {
      natsUrl,
      nats,
      gateway: { httpUrl: gatewayUrl, grpcAddress: `127.0.0.1:${grpcPort}` },
      processes,
      startService,
      cli,
      waitForModel,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
