// The real thing: every overlay rendered by kubectl kustomize, each object validated against its schema,
// and the consistency rules, on the repository's manifests.
import { workspaceRoot } from '@aviary/supervisor';
import { checkOverlay, OVERLAYS } from './check';
import { kubectlVersion, render } from './render';
import { validateSchemas } from './schemas';
import { join } from 'node:path';

const kubectl = kubectlVersion();
// CI machines have kubectl; elsewhere a missing one skips these tests with this message, except under CI.
if (!kubectl && !process.env.CI)
  console.warn('SKIP deploy/k8s overlays: kubectl is not on PATH (install kubectl >= 1.27)');
const describeWithKubectl = kubectl || process.env.CI ? describe : describe.skip;

describeWithKubectl('deploy/k8s overlays', () => {
  const root = workspaceRoot();

  it.each(OVERLAYS.map((o) => [o.name, o] as const))('%s renders, validates and is consistent', (_name, overlay) => {
    const report = checkOverlay(root, overlay);
    expect(report.findings).toEqual([]);
    expect(report.objects.filter((o) => o.kind === 'Deployment').length).toBeGreaterThanOrEqual(5);
  });

  it('scales batch-worker with a KEDA ScaledObject in the cloud, its app present', () => {
    const cloud = checkOverlay(root, OVERLAYS[0]);
    expect(cloud.objects.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual(
      expect.arrayContaining(['ScaledObject/batch-worker', 'Deployment/batch-worker']),
    );
    expect(cloud.findings).toEqual([]);
  });

  it('keeps on-prem free of cloud load balancers and under NetworkPolicies', () => {
    const objects = render(join(root, 'deploy/k8s/overlays/on-prem'));
    expect(objects.filter((o) => o.kind === 'NetworkPolicy').length).toBeGreaterThan(0);
    expect(objects.some((o) => o.kind === 'PersistentVolume')).toBe(true);
  });

  it('reports a schema violation in a rendered object by name', () => {
    const [deployment] = render(join(root, 'deploy/k8s/overlays/cloud')).filter((o) => o.kind === 'Deployment');
    const broken = { ...deployment, spec: { ...(deployment.spec as object), replicas: 'three' } };
    expect(validateSchemas([broken], root)).toEqual([
      expect.objectContaining({ rule: 'schema', object: `Deployment/${deployment.metadata?.name}` }),
    ]);
    const scaled = {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'x' },
      spec: { triggers: 'none' },
    };
    expect(validateSchemas([scaled], root)).toEqual([
      expect.objectContaining({ rule: 'schema', object: 'ScaledObject/x' }),
    ]);
  });
});
