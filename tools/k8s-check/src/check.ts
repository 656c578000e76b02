// The whole check of deploy/k8s: render each overlay with kustomize, validate every object against its schema, then
// run the consistency rules.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { K8sObject } from './manifest';
import { render } from './render';
import { checkConsistency, Finding } from './rules';
import { SchemaFinding, validateSchemas } from './schemas';

export interface Overlay {
  name: string;
  /** Relative to the repository root. */
  dir: string;
  allowLoadBalancer: boolean;
}

export const OVERLAYS: readonly Overlay[] = [
  { name: 'cloud', dir: 'deploy/k8s/overlays/cloud', allowLoadBalancer: true },
  { name: 'on-prem', dir: 'deploy/k8s/overlays/on-prem', allowLoadBalancer: false },
];

export interface RenderReport {
  /** The overlay. */
  target: string;
  objects: K8sObject[];
  findings: (Finding | SchemaFinding)[];
}

export function checkOverlay(root: string, overlay: Overlay): RenderReport {
  const objects = render(join(root, overlay.dir));
  const options = {
    allowLoadBalancer: overlay.allowLoadBalancer,
    sourceExists: (p: string) => existsSync(join(root, p)),
  };
  return {
    target: overlay.name,
    objects,
    findings: [...validateSchemas(objects, root), ...checkConsistency(objects, options)],
  };
}

/** Kinds and counts, e.g. "5 Deployment, 5 Service, 1 ScaledObject". */
export const summary = (objects: readonly K8sObject[]) =>
  Object.entries(
    objects.reduce<Record<string, number>>((counts, o) => ({ ...counts, [o.kind]: (counts[o.kind] ?? 0) + 1 }), {}),
  )
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
