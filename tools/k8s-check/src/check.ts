// The whole check of deploy/k8s: render each overlay with kustomize (and once more with its not-yet-enabled
// components), validate every object against its schema, then run the consistency rules.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { K8sObject } from './manifest';
import { render, renderWithAllComponents } from './render';
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
  /** The overlay, or "<overlay>+components" for the render with its commented-out components enabled. */
  target: string;
  objects: K8sObject[];
  findings: (Finding | SchemaFinding)[];
  /** Preview only: commands whose app does not exist yet (the component is a slot for it), not failures. */
  pending: Finding[];
}

export function checkOverlay(root: string, overlay: Overlay): RenderReport[] {
  const dir = join(root, overlay.dir);
  const options = {
    allowLoadBalancer: overlay.allowLoadBalancer,
    sourceExists: (p: string) => existsSync(join(root, p)),
  };
  const examine = (target: string, objects: K8sObject[], isPreview: boolean): RenderReport => {
    const findings = [...validateSchemas(objects, root), ...checkConsistency(objects, options)];
    const isPending = (f: Finding | SchemaFinding) => isPreview && f.rule === 'entry-missing';
    return {
      target,
      objects,
      findings: findings.filter((f) => !isPending(f)),
      pending: findings.filter(isPending) as Finding[],
    };
  };
  const reports = [examine(overlay.name, render(dir), false)];
  const preview = renderWithAllComponents(dir);
  if (preview) reports.push(examine(`${overlay.name}+components`, preview, true));
  return reports;
}

/** Kinds and counts, e.g. "5 Deployment, 5 Service, 1 ScaledObject". */
export const summary = (objects: readonly K8sObject[]) =>
  Object.entries(
    objects.reduce<Record<string, number>>((counts, o) => ({ ...counts, [o.kind]: (counts[o.kind] ?? 0) + 1 }), {}),
  )
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
