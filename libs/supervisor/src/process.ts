// Child processes owned by a test or by `npm start`: output prefixed with the process name, stopped on request.
import { ChildProcess, spawn } from 'node:child_process';

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  /** Everything the process printed, for assertions and for failure reports. */
  output(): string;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL if still running after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  kill(): Promise<void>;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  /** Write each output line to this stream with a "name |" prefix (npm start); tests keep it quiet. */
  echo?: NodeJS.WritableStream;
  cwd?: string;
}

export function spawnManaged(
  name: string,
  command: string,
  args: string[],
  options: SpawnOptions = {},
): ManagedProcess {
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  let partial = '';
  const onData = (data: Buffer) => {
    const text = data.toString();
    chunks.push(text);
    if (!options.echo) return;
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) options.echo.write(`${name.padEnd(18)}| ${line}\n`);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  // 'close' (not 'exit') so the output streams are finished; a last line without a newline is still echoed.
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      if (partial && options.echo) options.echo.write(`${name.padEnd(18)}| ${partial}\n`);
      resolve(code);
    }),
  );
  const running = () => child.exitCode === null && child.signalCode === null;

  return {
    name,
    child,
    output: () => chunks.join(''),
    exited,
    async stop(graceMs = 10_000) {
      if (!running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (!running()) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Polls `check` until it returns true, failing after `timeoutMs` with `what` and the process output. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  process?: ManagedProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    if (process && process.child.exitCode !== null) {
      throw new Error(
        `${process.name} exited (code ${process.child.exitCode}) while waiting for ${what}:\n${process.output().slice(-4000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${process ? `:\n${process.output().slice(-4000)}` : ''}`,
  );
}
