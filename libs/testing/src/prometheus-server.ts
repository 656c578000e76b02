// A real Prometheus (Debian's `prometheus` package; `.ci/run` installs it) on a free loopback port with a temporary
// storage directory, scraping the given targets, for tests of the prometheus metric provider.
import { freePort, ManagedProcess, spawnManaged, waitFor } from '@aviary/supervisor';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrometheusServer {
  url: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** True when a `prometheus` binary is on PATH. */
export const hasPrometheus = () => spawnSync('prometheus', ['--version']).status === 0;

/**
 * `describe` when Prometheus is installed; otherwise `describe.skip` with a message saying how to install it, or under
 * CI (which installs it) a suite with one failing test, so its absence never passes silently.
 */
export function describeWithPrometheus(name: string, suite: () => void): void {
  if (hasPrometheus()) return describe(name, suite);
  const why = 'no prometheus binary on PATH (apt-get install -y prometheus)';
  if (process.env.CI === 'true') describe(name, () => it(`needs Prometheus: ${why}`, () => fail(why)));
  else {
    process.stderr.write(`skipping "${name}": ${why}\n`);
    describe.skip(name, suite);
  }
}

const fail = (why: string) => {
  throw new Error(why);
};

/** `targets`: host:port pairs whose /metrics are scraped every `scrapeIntervalSeconds`. */
export async function startPrometheus(targets: string[], scrapeIntervalSeconds = 1): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'aviary-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    JSON.stringify({
      global: { scrape_interval: `${scrapeIntervalSeconds}s`, evaluation_interval: `${scrapeIntervalSeconds}s` },
      scrape_configs: [{ job_name: 'aviary', static_configs: [{ targets }] }],
    }),
  );
  const port = await freePort();
  const child = spawnManaged('prometheus', 'prometheus', [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor('prometheus to be ready', async () => (await fetch(`${url}/-/ready`)).ok, 30_000, child);
  } catch (error) {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    process: child,
    async stop() {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
