// Renders a kustomization with the real kustomize (`kubectl kustomize`) and reads the result as objects.
// kubectl also does the YAML → JSON step (`label --local` removing a label nobody sets changes nothing but
// adds an empty `labels` map where there was none), so no YAML parser of our own is involved.
import { spawnSync } from 'node:child_process';
import { K8sObject } from './manifest';

export class RenderError extends Error {}

export function kubectlVersion(): string | undefined {
  const result = spawnSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  const { clientVersion, kustomizeVersion } = JSON.parse(result.stdout) as {
    clientVersion: { gitVersion: string };
    kustomizeVersion?: string;
  };
  return `kubectl ${clientVersion.gitVersion}, kustomize ${kustomizeVersion ?? '?'}`;
}

export function render(dir: string): K8sObject[] {
  const yaml = kubectl(['kustomize', dir]);
  const json = kubectl(['label', '--local', '-f', '-', '-o', 'json', 'aviary.check/none-'], yaml);
  // One pretty-printed document per object, each opening "{" and closing "}" at the start of a line.
  return JSON.parse(`[${json.trim().replace(/\n\}\n\{/g, '\n},\n{')}]`) as K8sObject[];
}

function kubectl(args: string[], input?: string): string {
  const result = spawnSync('kubectl', args, { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new RenderError(`kubectl ${args[0]}: ${result.error.message}`);
  if (result.status !== 0) throw new RenderError(`kubectl ${args.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout;
}
