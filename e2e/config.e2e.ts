// Configuration is validated once: a bad variable ends each service, the CLI and `npm start` with exit code 1 and
// one message naming every bad variable, never a stack trace.
import { SERVICES, workspaceRoot } from '@aviary/testing';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = workspaceRoot();

/** Runs a compiled entry point to its end. */
const run = (path: string[], args: string[], env: NodeJS.ProcessEnv) =>
  spawnSync(process.execPath, [join(root, 'dist', ...path), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });

/** A stack trace's frames look like "    at fn (file:line:col)". */
const STACK_FRAME = /^\s+at /m;

describe('a bad configuration', () => {
  it.each(SERVICES)('ends the %s with exit 1 and one message naming both bad variables', (service) => {
    const result = run(['apps', service, 'src', 'main.js'], [], { LOG_LEVEL: 'verbose', AVIARY_HTTP_PORT: 'abc' });
    expect(result.status).toBe(1);
    const output = result.stdout + result.stderr;
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'fatal',
      service,
      msg: expect.stringMatching(
        /^\S+ failed to start: invalid configuration:\n {2}LOG_LEVEL: .*\n {2}AVIARY_HTTP_PORT: /,
      ),
    });
    expect(output).not.toMatch(STACK_FRAME);
  });

  it('ends a service on an OTLP endpoint that is not a URL and a batch delay that is not a number', () => {
    const result = run(['apps', 'gateway', 'src', 'main.js'], [], {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
      OTEL_BSP_SCHEDULE_DELAY: 'soon',
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/OTEL_EXPORTER_OTLP_ENDPOINT: expected an http\(s\) URL/);
    expect(result.stdout).toMatch(/OTEL_BSP_SCHEDULE_DELAY: /);
  });

  it('ends inference on a fault injection it cannot read, saying what was wrong and what is expected', () => {
    const result = run(['apps', 'inference', 'src', 'main.js'], [], {
      AVIARY_FAULT_INJECTION: 'flight-delay:2:errors=2,latencyMs=50',
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(
      /AVIARY_FAULT_INJECTION: flight-delay\.2 errors=2: errors must be 0 to 1 \(expected MODEL:VERSION:errors=0\.3/,
    );
    expect(result.stdout).not.toMatch(STACK_FRAME);
  });

  it('ends the CLI with exit 1 and a message naming NATS_URL, the variable it reads', () => {
    const result = run(['apps', 'cli', 'src', 'main.js'], ['models', 'list'], { NATS_URL: 'nats://127.0.0.1:port' });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^aviary: invalid configuration:\n {2}NATS_URL: expected NATS server URL/);
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  it('ends `npm start` with exit 1 and one message naming both bad variables, before it starts anything', () => {
    const result = run(['tools', 'stack', 'src', 'main.js'], [], { LOG_LEVEL: 'verbose', AVIARY_HTTP_PORT: 'abc' });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^aviary failed to start: invalid configuration:\n/);
    expect(result.stderr).toMatch(/^ {2}LOG_LEVEL: /m);
    expect(result.stderr).toMatch(/^ {2}AVIARY_HTTP_PORT: /m);
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });
});
