// Reads the V8 CPU profiles the services write under `bench --cpu-prof DIR` and prints where each one spent its
// time, by package and by function. Usage: node dist/bench/src/profile-summary.js DIR [--top N]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

export interface Share {
  name: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  process: string;
  busyMs: number;
  idleMs: number;
  byArea: Share[];
  byFunction: Share[];
}

/** The package or part of the workspace a frame belongs to: `@grpc/grpc-js`, `@aviary/features`, `node internals`, ... */
export function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : 'native / builtins';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const [scope, name] = url.slice(modules + 'node_modules/'.length).split('/');
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  const lib = /\/(?:dist\/)?libs\/([^/]+)\//.exec(url);
  if (lib) return `@aviary/${lib[1]}`;
  const app = /\/(?:dist\/)?(apps|tools|bench)\/([^/]+)\//.exec(url);
  if (app) return app[1] === 'bench' ? 'bench' : `${app[1]}/${app[2]}`;
  if (url.startsWith('node:')) return 'node internals';
  return basename(url);
}

export function summarizeProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const sampleMs = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
  const hits = new Map<number, number>();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let idleMs = 0;
  let busyMs = 0;
  let process = 'unknown process';
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const app = /\/(apps|tools|bench)\/([^/]+)\/src\/main\.js$/.exec(url);
    if (app) process = app[2];
    const ms = (hits.get(node.id) ?? 0) * sampleMs;
    if (ms === 0) continue;
    if (functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    busyMs += ms;
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    const where = url ? `${basename(url)}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where} [${area}]`;
    functions.set(key, (functions.get(key) ?? 0) + ms);
  }
  const ranked = (map: Map<string, number>) =>
    [...map]
      .map(([name, ms]) => ({ name, ms, percent: (ms / busyMs) * 100 }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top);
  return { process, busyMs, idleMs, byArea: ranked(areas), byFunction: ranked(functions) };
}

export function formatProfileSummary(summary: ProfileSummary, file: string): string {
  const lines = [
    `${summary.process} (${basename(file)}): ${(summary.busyMs / 1000).toFixed(1)} s busy, ${(summary.idleMs / 1000).toFixed(1)} s idle`,
    '  self time by area:',
    ...summary.byArea.map((s) => `    ${s.percent.toFixed(1).padStart(5)} %  ${s.name}`),
    '  self time by function:',
    ...summary.byFunction.map((s) => `    ${s.percent.toFixed(1).padStart(5)} %  ${s.name}`),
  ];
  return lines.join('\n');
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '15' } },
  });
  if (positionals.length === 0) throw new Error('usage: profile-summary DIR|FILE.cpuprofile ... [--top N]');
  const files = positionals.flatMap((path) =>
    statSync(path).isDirectory()
      ? readdirSync(path)
          .filter((f) => f.endsWith('.cpuprofile'))
          .map((f) => join(path, f))
      : [path],
  );
  for (const file of files) {
    const summary = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(values.top));
    console.log(`${formatProfileSummary(summary, file)}\n`);
  }
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
