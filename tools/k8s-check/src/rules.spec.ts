import { K8sObject } from './manifest';
import { checkConsistency, RuleName, RuleOptions } from './rules';

const labels = { 'app.kubernetes.io/name': 'flags', 'app.kubernetes.io/part-of': 'aviary' };
const probe = (path: string) => ({ httpGet: { path, port: 'http' } });
const podSpec = (command: string[]) => ({
  securityContext: { runAsNonRoot: true },
  terminationGracePeriodSeconds: 10,
  containers: [
    {
      name: 'main',
      image: 'ghcr.io/example/aviary:0.1.0',
      command,
      envFrom: [{ configMapRef: { name: 'aviary-config-abc' } }, { configMapRef: { name: 'flags-config-abc' } }],
      env: [{ name: 'NATS_URL', valueFrom: { secretKeyRef: { name: 'aviary-nats', key: 'url' } } }],
      ports: [{ name: 'http', containerPort: 9103 }],
      startupProbe: probe('/health/live'),
      livenessProbe: probe('/health/live'),
      readinessProbe: probe('/health/ready'),
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '384Mi' } },
      securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
    },
  ],
});

/** A consistent render: one service with everything it needs, the seed Job and the ConfigMaps. */
function render() {
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'aviary-config-abc' },
      data: { AVIARY_REQUEST_TIMEOUT_MS: '5000' },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'flags-config-abc' }, data: { AVIARY_HTTP_PORT: '9103' } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'flags', labels },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': 'flags' } },
        template: { metadata: { labels }, spec: podSpec(['node', 'dist/apps/flags/src/main.js']) },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'flags' },
      spec: { selector: { 'app.kubernetes.io/name': 'flags' }, ports: [{ port: 9103, targetPort: 'http' }] },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'flags' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'flags' },
        minReplicas: 1,
        maxReplicas: 3,
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'flags' },
      spec: { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'flags' } } },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'aviary-seed' },
      spec: { template: { spec: podSpec(['node', 'dist/apps/cli/src/main.js', 'models', 'seed', '/app/models']) } },
    },
  ] as unknown as K8sObject[];
}

type Fixture = ReturnType<typeof render>;
const find = (objects: Fixture, kind: string) => objects.find((o) => o.kind === kind) as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests poke arbitrary fields
const configMap = (objects: Fixture, name: string) =>
  objects.find((o) => o.metadata?.name === name) as unknown as { data: Record<string, string> };
const deployment = (objects: Fixture) => find(objects, 'Deployment');
const container = (objects: Fixture) => deployment(objects).spec.template.spec.containers[0];

const options: RuleOptions = {
  allowLoadBalancer: false,
  sourceExists: (p) => p.startsWith('apps/flags/') || p.startsWith('apps/cli/'),
};
const rulesBroken = (objects: Fixture, opts: RuleOptions = options): RuleName[] =>
  [...new Set(checkConsistency(objects, opts).map((f) => f.rule))].sort();

describe('checkConsistency', () => {
  it('finds nothing wrong in a consistent render', () => {
    expect(checkConsistency(render(), options)).toEqual([]);
  });

  it.each<[string, (o: Fixture) => void, RuleName[]]>([
    ['a probe on an undeclared port', (o) => (container(o).readinessProbe.httpGet.port = 'metrics'), ['probe-port']],
    [
      'a liveness probe on the readiness path',
      (o) => (container(o).livenessProbe.httpGet.path = '/health/ready'),
      ['probe-path'],
    ],
    ['no readiness probe', (o) => delete container(o).readinessProbe, ['probe-missing']],
    [
      'a selector that misses the pod labels',
      (o) => (deployment(o).spec.selector.matchLabels = { app: 'other' }),
      ['selector-mismatch'],
    ],
    [
      'a Service targetPort the container lacks',
      (o) => (find(o, 'Service').spec.ports[0].targetPort = 'grpc'),
      ['service-target-port'],
    ],
    [
      'a Service selecting other pods',
      (o) => (find(o, 'Service').spec.selector = { app: 'other' }),
      ['service-missing'],
    ],
    [
      'an HPA for a Deployment that is not there',
      (o) => (find(o, 'HorizontalPodAutoscaler').spec.scaleTargetRef.name = 'flag'),
      ['autoscaler-missing', 'autoscaler-target'],
    ],
    [
      'an HPA with min above max',
      (o) => (find(o, 'HorizontalPodAutoscaler').spec.minReplicas = 5),
      ['autoscaler-range'],
    ],
    ['replicas beside an HPA', (o) => (deployment(o).spec.replicas = 2), ['replicas-with-autoscaler']],
    [
      'a PDB selecting other pods',
      (o) => (find(o, 'PodDisruptionBudget').spec.selector.matchLabels = { app: 'x' }),
      ['pdb-missing', 'pdb-selects-nothing'],
    ],
    [
      'AVIARY_HTTP_PORT unlike the container port',
      (o) => (configMap(o, 'flags-config-abc').data.AVIARY_HTTP_PORT = '9999'),
      ['http-port-env'],
    ],
    [
      'a command whose app has no source',
      (o) => (container(o).command = ['node', 'dist/apps/flagz/src/main.js']),
      ['entry-missing'],
    ],
    ['an envFrom ConfigMap that is not rendered', (o) => o.splice(1, 1), ['configmap-missing', 'http-port-env']],
    [
      'a grace period shorter than the drain',
      (o) => (deployment(o).spec.template.spec.terminationGracePeriodSeconds = 5),
      ['grace-too-short'],
    ],
    ['a dev image', (o) => (container(o).image = 'aviary:dev'), ['image-mismatch', 'image-unpinned']],
    ['a root container', (o) => (deployment(o).spec.template.spec.securityContext = {}), ['security']],
    ['no NATS_URL', (o) => delete container(o).env, ['nats-url-missing']],
    ['no memory limit', (o) => delete container(o).resources.limits, ['resources']],
    ['no seed Job', (o) => o.splice(o.length - 1, 1), ['seed-job-missing']],
  ])('names the failure for %s', (_what, breakIt, expected) => {
    const objects = render();
    breakIt(objects);
    expect(rulesBroken(objects)).toEqual(expected);
  });

  it('counts the preStop sleep and the request timeout in the drain time', () => {
    const objects = render();
    container(objects).lifecycle = { preStop: { exec: { command: ['sleep', '5'] } } };
    expect(rulesBroken(objects)).toEqual(['grace-too-short']); // 5 + 5 + 1 > 10
    deployment(objects).spec.template.spec.terminationGracePeriodSeconds = 11;
    expect(rulesBroken(objects)).toEqual([]);
  });

  it('accepts a KEDA ScaledObject as the autoscaler, but not beside an HPA', () => {
    const objects = render();
    const scaled = {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'flags' },
      spec: { scaleTargetRef: { name: 'flags' } },
    };
    objects.push(scaled as K8sObject);
    expect(rulesBroken(objects)).toEqual(['autoscaler-conflict']);
    objects.splice(objects.indexOf(find(objects, 'HorizontalPodAutoscaler') as K8sObject), 1);
    expect(rulesBroken(objects)).toEqual([]);
  });

  it('requires every Deployment to be under an egress policy once the overlay has NetworkPolicies', () => {
    const objects = render();
    const policy = (name: string, podSelector: object, spec: object) =>
      ({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name },
        spec: { podSelector, ...spec },
      }) as K8sObject;
    objects.push(
      policy(
        'ingress',
        { matchLabels: labels },
        { policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 'grpc' }] }] },
      ),
    );
    expect(rulesBroken(objects)).toEqual(['network-policy-port', 'network-policy-uncovered']);
    objects.push(policy('egress', { matchLabels: { app: 'nobody' } }, { policyTypes: ['Egress'] }));
    expect(rulesBroken(objects)).toContain('network-policy-selects-nothing');
  });

  it('rejects a LoadBalancer Service where the overlay has no cloud load balancer', () => {
    const objects = render();
    find(objects, 'Service').spec.type = 'LoadBalancer';
    expect(rulesBroken(objects)).toEqual(['load-balancer']);
    expect(rulesBroken(objects, { ...options, allowLoadBalancer: true })).toEqual([]);
  });
});
