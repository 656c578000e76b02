import { createServer } from 'node:net';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { freePort } from './ports';
import { appEntry, workspaceRoot } from './workspace';

describe('freePort', () => {
  it('gives a loopback port that a server can listen on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65536);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('workspaceRoot', () => {
  it('finds the folder whose package.json names the aviary workspace', () => {
    const root = workspaceRoot();
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name).toBe('aviary');
    expect(existsSync(join(root, 'libs', 'supervisor', 'src', 'workspace.ts'))).toBe(true);
  });

  it('fails with the folder it started from when there is no workspace above it', () => {
    expect(() => workspaceRoot('/')).toThrow('no Aviary workspace above /');
  });
});

describe('appEntry', () => {
  it('tells to build first when an app has no compiled entry point', () => {
    expect(() => appEntry('no-such-app')).toThrow(
      `${join(workspaceRoot(), 'dist', 'apps', 'no-such-app', 'src', 'main.js')} is missing: run \`npm run build\` first`,
    );
  });
});
