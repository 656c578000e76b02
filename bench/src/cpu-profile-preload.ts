// Preloaded into every service by `bench --cpu-prof DIR` (NODE_OPTIONS=--require ...; Node refuses --cpu-prof there):
// samples the whole process with the inspector's profiler and writes DIR/<script>.<pid>.cpuprofile when it exits.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { basename, dirname, join } from 'node:path';

export const CPU_PROFILE_DIR_ENV = 'AVIARY_BENCH_CPU_PROF_DIR';

const dir = process.env[CPU_PROFILE_DIR_ENV];
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  // An in-process inspector session answers synchronously, so the profile can be written from the exit handler.
  process.once('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      const script = process.argv[1] ? basename(dirname(dirname(process.argv[1]))) : 'node';
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${script}.${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}

/** The environment that makes a service started by a bench write its profile into `dir`. */
export const cpuProfileEnv = (dir: string): Record<string, string> => ({
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${join(__dirname, 'cpu-profile-preload.js')}`.trim(),
  [CPU_PROFILE_DIR_ENV]: dir,
});
