import { PassThrough } from 'node:stream';
import { spawnManaged, waitFor } from './process';

const node = (name: string, script: string, echo?: NodeJS.WritableStream) =>
  spawnManaged(name, process.execPath, ['-e', script], { echo });

/** Resolves once the process has printed `text`, so a test acts only after the child is set up. */
const printed = (p: ReturnType<typeof node>, text: string) =>
  waitFor(`"${text}" from ${p.name}`, async () => p.output().includes(text), 5_000, p);

async function failure(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a rejection');
}

describe('spawnManaged', () => {
  it('captures everything the process prints on stdout and stderr, and its exit code', async () => {
    const p = node('talker', 'console.log("to stdout"); console.error("to stderr"); process.exitCode = 3;');
    expect(await p.exited).toBe(3);
    expect(p.output()).toContain('to stdout\n');
    expect(p.output()).toContain('to stderr\n');
  });

  it('echoes each output line with the process name as prefix', async () => {
    const echo = new PassThrough();
    const lines: string[] = [];
    echo.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    const p = node('echoer', 'console.log("one\\ntwo")', echo);
    await p.exited;
    expect(lines.join('')).toBe(`${'echoer'.padEnd(18)}| one\n${'echoer'.padEnd(18)}| two\n`);
  });

  it('echoes a last line that ends without a newline', async () => {
    const echo = new PassThrough();
    const lines: string[] = [];
    echo.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    const p = node('crasher', 'process.stdout.write("fatal: no newline")', echo);
    await p.exited;
    expect(lines.join('')).toContain('fatal: no newline');
  });

  it('stops a process with SIGTERM', async () => {
    const p = node('sleeper', 'console.log("up"); setInterval(() => undefined, 1000)');
    await printed(p, 'up');
    await p.stop();
    expect(p.child.signalCode).toBe('SIGTERM');
  });

  it('lets a process finish its SIGTERM handler before it exits', async () => {
    const p = node(
      'graceful',
      'process.on("SIGTERM", () => { console.log("draining"); process.exit(0); }); console.log("up"); setInterval(() => undefined, 1000)',
    );
    await printed(p, 'up');
    await p.stop();
    expect(p.child.exitCode).toBe(0);
    expect(p.output()).toContain('draining');
  });

  it('kills a process that ignores SIGTERM once the grace period is over', async () => {
    const p = node(
      'stubborn',
      'process.on("SIGTERM", () => console.log("ignoring SIGTERM")); console.log("up"); setInterval(() => undefined, 1000)',
    );
    await printed(p, 'up');
    await p.stop(200);
    expect(p.output()).toContain('ignoring SIGTERM');
    expect(p.child.signalCode).toBe('SIGKILL');
  });

  it('returns at once when stopping or killing a process that has already exited', async () => {
    const p = node('quick', '');
    await p.exited;
    await expect(p.stop()).resolves.toBeUndefined();
    await expect(p.kill()).resolves.toBeUndefined();
    expect(p.child.exitCode).toBe(0);
  });

  it('kills at once with SIGKILL on kill()', async () => {
    const p = node(
      'doomed',
      'process.on("SIGTERM", () => undefined); console.log("up"); setInterval(() => undefined, 1000)',
    );
    await printed(p, 'up');
    await p.kill();
    expect(p.child.signalCode).toBe('SIGKILL');
  });
});

describe('waitFor', () => {
  it('resolves as soon as the check holds', async () => {
    let calls = 0;
    await waitFor('the third call', async () => ++calls === 3, 5_000);
    expect(calls).toBe(3);
  });

  it('treats a check that throws as not yet', async () => {
    let calls = 0;
    await waitFor(
      'a flaky check',
      async () => {
        if (++calls < 2) throw new Error('connection refused');
        return true;
      },
      5_000,
    );
    expect(calls).toBe(2);
  });

  it('fails after the timeout, saying what it waited for', async () => {
    expect(await failure(() => waitFor('the moon to turn blue', async () => false, 250))).toBe(
      'timed out after 250 ms waiting for the moon to turn blue',
    );
  });

  it('includes the output of the process it waited on when it times out', async () => {
    const p = node('silent-server', 'console.log("listening on the wrong port"); setInterval(() => undefined, 1000)');
    try {
      await printed(p, 'listening');
      const message = await failure(() => waitFor('port 1', async () => false, 250, p));
      expect(message).toBe('timed out after 250 ms waiting for port 1:\nlistening on the wrong port\n');
    } finally {
      await p.kill();
    }
  });

  it('fails at once when the process exits, with its exit code and output', async () => {
    const p = node('broken-server', 'console.error("address already in use"); process.exit(2)');
    await p.exited;
    const message = await failure(() => waitFor('broken-server to listen', async () => false, 60_000, p));
    expect(message).toBe(
      'broken-server exited (code 2) while waiting for broken-server to listen:\naddress already in use\n',
    );
  });
});
