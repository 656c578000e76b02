// `npm start` as a user runs it (its entry, after the build that `npm test` has done): the whole platform in the
// foreground with prefixed logs, serving the demo models, and everything it started gone after Ctrl-C or SIGTERM.
import { freePort, startNatsServer, waitFor, workspaceRoot } from '@aviary/testing';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLIGHT, postJson } from './support';

interface Started {
  child: ChildProcess;
  pid: number;
  output: () => string;
  exited: Promise<number | null>;
  httpUrl: string;
}

/** Starts the stack in its own process group, as a terminal runs a foreground job (so Ctrl-C reaches the group). */
async function npmStart(env: NodeJS.ProcessEnv): Promise<Started> {
  const httpPort = await freePort();
  const child = spawn(process.execPath, [join(workspaceRoot(), 'dist', 'tools', 'stack', 'src', 'main.js')], {
    cwd: workspaceRoot(),
    env: {
      ...process.env,
      AVIARY_HTTP_PORT: String(httpPort),
      AVIARY_GRPC_PORT: String(await freePort()),
      AVIARY_HOST: '127.0.0.1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  if (child.pid === undefined) throw new Error('npm start did not spawn');
  const started = { child, pid: child.pid, output: () => output, exited, httpUrl: `http://127.0.0.1:${httpPort}` };
  await waitFor('npm start to say it is up', async () => output.includes('aviary is up'), 90_000).catch(
    (error: Error) => {
      child.kill('SIGKILL');
      throw new Error(`${error.message}\n${output.slice(-3000)}`);
    },
  );
  return started;
}

const childrenOf = (pid: number): number[] =>
  execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((child) => child > 0);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(!!socket.destroy()));
    socket.once('error', () => resolve(false));
  });

describe('npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'aviary-npm-start-'));
  let started: Started | undefined;

  afterEach(() => {
    if (started && started.child.exitCode === null) process.kill(-started.pid, 'SIGKILL');
    started = undefined;
  });

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts nats-server and every service with prefixed logs, serves predict, and Ctrl-C stops all of it', async () => {
    const natsPort = await freePort();
    started = await npmStart({ AVIARY_NATS_PORT: String(natsPort), AVIARY_DATA_DIR: dataDir });
    const { output } = started;

    for (const name of ['nats-server', 'inference', 'preprocessor', 'flags', 'rollout-controller', 'gateway'])
      expect(output()).toMatch(new RegExp(`^${name} *\\| `, 'm'));
    const predicted = await postJson(`${started.httpUrl}/v1/models/flight-delay/predict`, { instances: [FLIGHT] });
    expect(predicted.status).toBe(200);
    expect(predicted.body.predictions).toHaveLength(1);
    const children = childrenOf(started.pid);
    expect(children.length).toBeGreaterThanOrEqual(6); // nats-server and the five services

    process.kill(-started.pid, 'SIGINT'); // what Ctrl-C sends: the whole foreground process group
    expect(await started.exited).toBe(0);
    expect(output()).toContain('stopping aviary');
    expect(children.filter(alive)).toEqual([]);
    expect(await portOpen(natsPort)).toBe(false);
    expect(await portOpen(Number(new URL(started.httpUrl).port))).toBe(false);
  });

  it('uses NATS_URL when set, starts no nats-server, and SIGTERM stops only what it started', async () => {
    const nats = await startNatsServer();
    try {
      started = await npmStart({ NATS_URL: nats.url });
      expect(started.output()).not.toMatch(/^nats-server *\| /m);
      expect(started.output()).toContain(`NATS ${nats.url}`);
      const ready = await fetch(`${started.httpUrl}/v2/health/ready`);
      expect(ready.status).toBe(200);
      const children = childrenOf(started.pid);

      started.child.kill('SIGTERM');
      expect(await started.exited).toBe(0);
      expect(children.filter(alive)).toEqual([]);
      expect(await portOpen(nats.port)).toBe(true);
    } finally {
      await nats.stop();
    }
  });
});
