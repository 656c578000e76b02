// `npm run build:edge-sea`: the edge agent as one executable (a Node single-executable application). esbuild bundles
// the compiled agent, with all it loads (the lazily imported NATS client too), into one CommonJS file; Node turns it
// into a SEA blob that postject injects into a copy of this node binary. ONNX Runtime stays outside: its JS loads a
// native addon and shared library from its package directory, so the host platform's part of the package ships
// beside the executable, under node_modules/.
// Usage: node dist/tools/edge-sea/src/main.js [--out DIR]   (after `npm run build`; DIR defaults to dist/edge-sea)
import { appEntry, workspaceRoot } from '@aviary/supervisor';
import { build, Plugin } from 'esbuild';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const EXECUTABLE = 'aviary-edge';
// The fuse Node's SEA support looks for (nodejs.org/api/single-executable-applications.html).
const SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/**
 * A SEA's own `require` loads built-in modules only: onnxruntime-node is required from the node_modules directory
 * beside the executable instead.
 */
const onnxRuntimeBesideExecutable: Plugin = {
  name: 'onnxruntime-beside-executable',
  setup(bundler) {
    bundler.onResolve({ filter: /^onnxruntime-node$/ }, () => ({ path: 'onnxruntime-node', namespace: 'beside' }));
    bundler.onLoad({ filter: /.*/, namespace: 'beside' }, () => ({
      contents: "module.exports = require('node:module').createRequire(process.execPath)('onnxruntime-node');",
      loader: 'js',
    }));
  },
};

/**
 * Of an installed package, what loading it needs: its manifest, the JS under `jsDirs` with the nested package.json
 * files that tell Node its module type, and the named `files`.
 */
function shipPackage(
  root: string,
  out: string,
  { name, jsDirs, files = [] }: { name: string; jsDirs: string[]; files?: string[] },
): void {
  const from = join(root, 'node_modules', name);
  const to = join(out, 'node_modules', name);
  mkdirSync(to, { recursive: true });
  copyFileSync(join(from, 'package.json'), join(to, 'package.json'));
  const jsOrManifest = (path: string) =>
    statSync(path).isDirectory() || path.endsWith('.js') || basename(path) === 'package.json';
  for (const dir of jsDirs) cpSync(join(from, dir), join(to, dir), { recursive: true, filter: jsOrManifest });
  for (const file of files) {
    mkdirSync(dirname(join(to, file)), { recursive: true });
    copyFileSync(join(from, file), join(to, file));
  }
}

// Where onnxruntime-node's binding.js loads its addon from. The CPU runtime only: no CUDA provider, if one is there.
const ONNX_RUNTIME_BIN = `bin/napi-v6/${process.platform}/${process.arch}`;
const RUNTIME_PACKAGES = [
  // Its other dependencies serve only its install script.
  {
    name: 'onnxruntime-node',
    jsDirs: ['dist'],
    files: [`${ONNX_RUNTIME_BIN}/onnxruntime_binding.node`, `${ONNX_RUNTIME_BIN}/libonnxruntime.so.1`],
  },
  { name: 'onnxruntime-common', jsDirs: ['dist/cjs'] },
];

function run(command: string, args: string[]): void {
  // Quiet when it works: postject warns about ELF note sections Node's binary carries, harmlessly.
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}): ${result.stdout}${result.stderr}`);
}

async function main(): Promise<void> {
  // Linux only: on macOS and Windows the injected binary must also be re-signed, a step this script does not take.
  if (process.platform !== 'linux') throw new Error(`builds on Linux only, not on ${process.platform}`);
  const root = workspaceRoot();
  const { values } = parseArgs({ options: { out: { type: 'string', default: join(root, 'dist/edge-sea') } } });
  const out = resolve(values.out);
  const entry = appEntry('edge');
  // Replaces an earlier build, never a directory that holds something else (`--out .` would be the workspace).
  if (existsSync(out) && readdirSync(out).length > 0 && !existsSync(join(out, EXECUTABLE)))
    throw new Error(
      `${out} holds files but no ${EXECUTABLE}: give --out a new or empty directory, or an earlier build`,
    );
  rmSync(out, { recursive: true, force: true });
  const work = join(out, '.build');
  mkdirSync(work, { recursive: true });

  const bundle = join(work, 'edge.cjs');
  await build({
    entryPoints: [entry],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    plugins: [onnxRuntimeBesideExecutable],
    logLevel: 'warning',
  });

  const blob = join(work, 'edge.blob');
  const seaConfig = join(work, 'sea-config.json');
  // The code cache (V8's compiled bundle, valid for this very node binary) takes about 10% off the cold start.
  const config = {
    main: bundle,
    output: blob,
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache: true,
  };
  writeFileSync(seaConfig, JSON.stringify(config));
  run(process.execPath, ['--experimental-sea-config', seaConfig]);

  const executable = join(out, EXECUTABLE);
  copyFileSync(process.execPath, executable);
  chmodSync(executable, 0o755);
  const postject = join(dirname(require.resolve('postject/package.json')), 'dist/cli.js');
  run(process.execPath, [postject, executable, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SENTINEL_FUSE]);

  for (const pkg of RUNTIME_PACKAGES) shipPackage(root, out, pkg);
  rmSync(work, { recursive: true, force: true });
  console.log(`${executable}: run it with its node_modules/ beside it (${process.arch}, Node ${process.version})`);
}

main().catch((e: Error) => {
  console.error(`edge-sea: ${e.message}`);
  process.exitCode = 1;
});
