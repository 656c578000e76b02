// Locates the workspace root from compiled (dist/) or source locations alike.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function workspaceRoot(from = __dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'aviary') return dir;
  }
  throw new Error(`no Aviary workspace above ${from}`);
}

/** The compiled entry point of an app: `npm run build` puts it under dist/. */
export function appEntry(app: string): string {
  const entry = join(workspaceRoot(), 'dist', 'apps', app, 'src', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  return entry;
}
