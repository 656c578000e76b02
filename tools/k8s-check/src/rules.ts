// The project's own consistency rules, run on what kustomize rendered (schemas say an object is well formed;
// these say the objects fit together and fit the services' code). Pure: the file system comes in as a function.
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { IJob } from 'kubernetes-models/batch/v1';
import {
  IConfigMap,
  IContainer,
  IDeployment,
  IPodSpec,
  IService,
  K8sObject,
  objectId,
  ofKind,
  selects,
} from './manifest';

export type RuleName =
  | 'object-identity'
  | 'selector-mismatch'
  | 'probe-missing'
  | 'probe-path'
  | 'probe-port'
  | 'service-missing'
  | 'service-target-port'
  | 'autoscaler-missing'
  | 'autoscaler-target'
  | 'autoscaler-range'
  | 'autoscaler-conflict'
  | 'replicas-with-autoscaler'
  | 'pdb-missing'
  | 'pdb-selects-nothing'
  | 'http-port-env'
  | 'entry-missing'
  | 'configmap-missing'
  | 'nats-url-missing'
  | 'grace-too-short'
  | 'resources'
  | 'security'
  | 'volume-undeclared'
  | 'image-unpinned'
  | 'image-mismatch'
  | 'network-policy-selects-nothing'
  | 'network-policy-port'
  | 'network-policy-uncovered'
  | 'load-balancer'
  | 'seed-job-missing';

export interface Finding {
  rule: RuleName;
  object: string;
  message: string;
}

export interface RuleOptions {
  /** Whether a source file (relative to the repository root) exists, e.g. apps/gateway/src/main.ts. */
  sourceExists: (path: string) => boolean;
  /** On-prem has no cloud load balancer: a Service of type LoadBalancer is then a finding. */
  allowLoadBalancer: boolean;
}

/** KEDA's ScaledObject, as far as the rules read it (the package is ESM-only; its schema is checked elsewhere). */
interface ScaledObject extends K8sObject {
  spec?: { scaleTargetRef?: { kind?: string; name?: string }; minReplicaCount?: number; maxReplicaCount?: number };
}

// Mirrors the gateway's gRPC drain (SHUTDOWN_MARGIN_MS in grpc-inference.server.ts): calls in flight get the
// request timeout plus this margin before they are cancelled.
const DRAIN_MARGIN_S = 1;
const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
const ENTRY = /^dist\/(apps\/[^/]+\/src\/main)\.js$/;

export function checkConsistency(objects: readonly K8sObject[], options: RuleOptions): Finding[] {
  const findings: Finding[] = [];
  const report = (rule: RuleName, object: string, message: string) => findings.push({ rule, object, message });

  const seen = new Set<string>();
  for (const o of objects) {
    if (!o.apiVersion || !o.kind || !o.metadata?.name)
      report('object-identity', objectId(o), 'no apiVersion, kind or name');
    if (seen.has(objectId(o))) report('object-identity', objectId(o), 'rendered twice');
    seen.add(objectId(o));
  }

  const deployments = ofKind<IDeployment>(objects, 'Deployment');
  const services = ofKind<IService>(objects, 'Service');
  const hpas = ofKind<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler');
  const scaledObjects = ofKind<ScaledObject>(objects, 'ScaledObject');
  const pdbs = ofKind<IPodDisruptionBudget>(objects, 'PodDisruptionBudget');
  const policies = ofKind<INetworkPolicy>(objects, 'NetworkPolicy');
  const configMaps = new Map(ofKind<IConfigMap>(objects, 'ConfigMap').map((c) => [c.metadata?.name, c.data ?? {}]));
  const jobs = ofKind<IJob>(objects, 'Job');
  const podLabelsOf = (d: IDeployment) => d.spec?.template.metadata?.labels;

  const envOf = (container: IContainer, name: string): string | undefined => {
    const direct = container.env?.find((e) => e.name === name);
    if (direct) return direct.value ?? (direct.valueFrom ? `(from ${Object.keys(direct.valueFrom)[0]})` : undefined);
    let value: string | undefined;
    for (const source of container.envFrom ?? []) {
      const data = source.configMapRef?.name ? configMaps.get(source.configMapRef.name) : undefined;
      if (data?.[name] !== undefined) value = data[name]; // a later envFrom entry wins, as in the kubelet
    }
    return value;
  };

  const checkPodSpec = (owner: string, spec: IPodSpec) => {
    if (spec.securityContext?.runAsNonRoot !== true)
      report('security', owner, 'pod securityContext.runAsNonRoot is not true');
    for (const c of spec.containers) {
      const where = `${owner}/${c.name}`;
      const sc = c.securityContext;
      if (sc?.readOnlyRootFilesystem !== true) report('security', where, 'readOnlyRootFilesystem is not true');
      if (sc?.allowPrivilegeEscalation !== false) report('security', where, 'allowPrivilegeEscalation is not false');
      if (!c.resources?.requests?.cpu || !c.resources.requests.memory)
        report('resources', where, 'no cpu/memory requests');
      if (!c.resources?.limits?.memory) report('resources', where, 'no memory limit');
      for (const source of c.envFrom ?? []) {
        const name = source.configMapRef?.name;
        if (name && !configMaps.has(name))
          report('configmap-missing', where, `envFrom ConfigMap ${name} is not rendered`);
      }
      if (!envOf(c, 'NATS_URL'))
        report('nats-url-missing', where, 'NATS_URL is set neither in env nor in its ConfigMaps');
      const main = (c.command ?? []).find((arg) => ENTRY.test(arg));
      if (!main) report('entry-missing', where, 'command does not run dist/apps/<app>/src/main.js');
      else {
        const source = main.replace(ENTRY, '$1.ts');
        if (!options.sourceExists(source)) report('entry-missing', where, `runs ${main}, but ${source} does not exist`);
      }
      for (const mount of c.volumeMounts ?? []) {
        if (!spec.volumes?.some((v) => v.name === mount.name))
          report('volume-undeclared', where, `mounts volume ${mount.name}, which the pod does not declare`);
      }
    }
  };

  for (const d of deployments) {
    const id = objectId(d as K8sObject);
    const name = d.metadata?.name;
    const spec = d.spec?.template.spec;
    const podLabels = podLabelsOf(d);
    if (!spec) {
      report('object-identity', id, 'no pod template spec');
      continue;
    }
    if (!selects(d.spec?.selector.matchLabels, podLabels))
      report('selector-mismatch', id, 'spec.selector does not match the pod template labels');
    checkPodSpec(id, spec);

    const container = spec.containers[0];
    const ports = new Map((container.ports ?? []).map((p) => [p.name, p.containerPort]));
    const portExists = (port: number | string) =>
      typeof port === 'string' ? ports.has(port) : [...ports.values()].includes(port);
    for (const [probe, path] of [
      ['startupProbe', '/health/live'],
      ['livenessProbe', '/health/live'],
      ['readinessProbe', '/health/ready'],
    ] as const) {
      const get = container[probe]?.httpGet;
      if (!get) report('probe-missing', id, `no ${probe} (httpGet ${path})`);
      else {
        if (get.path !== path) report('probe-path', id, `${probe} asks ${get.path}, expected ${path}`);
        if (!portExists(get.port)) report('probe-port', id, `${probe} port ${get.port} is not a container port`);
      }
    }

    const httpPort = envOf(container, 'AVIARY_HTTP_PORT');
    if (httpPort === undefined || Number(httpPort) !== ports.get('http'))
      report(
        'http-port-env',
        id,
        `AVIARY_HTTP_PORT is ${httpPort ?? 'unset'}, the container port "http" is ${ports.get('http') ?? 'missing'}`,
      );

    const preStopSleep = Number(
      container.lifecycle?.preStop?.exec?.command?.[0] === 'sleep' ? container.lifecycle.preStop.exec.command[1] : 0,
    );
    const timeoutMs = Number(envOf(container, 'AVIARY_REQUEST_TIMEOUT_MS') ?? DEFAULT_REQUEST_TIMEOUT_MS);
    const drainS = preStopSleep + Math.ceil(timeoutMs / 1000) + DRAIN_MARGIN_S;
    const grace = spec.terminationGracePeriodSeconds ?? 30;
    if (grace < drainS)
      report(
        'grace-too-short',
        id,
        `terminationGracePeriodSeconds ${grace} < drain ${drainS} s (preStop ${preStopSleep} s + request timeout ${timeoutMs} ms + ${DRAIN_MARGIN_S} s)`,
      );

    const service = services.find((s) => selects(s.spec?.selector, podLabels));
    if (!service) report('service-missing', id, 'no Service selects its pods');
    else {
      for (const p of service.spec?.ports ?? []) {
        if (p.targetPort !== undefined && !portExists(p.targetPort))
          report(
            'service-target-port',
            objectId(service as K8sObject),
            `targetPort ${p.targetPort} is not a container port of ${id}`,
          );
      }
    }

    const targets = (ref?: { kind?: string; name?: string }) =>
      (ref?.kind ?? 'Deployment') === 'Deployment' && ref?.name === name;
    const hpa = hpas.find((h) => targets(h.spec?.scaleTargetRef));
    const scaled = scaledObjects.find((s) => targets(s.spec?.scaleTargetRef));
    if (!hpa && !scaled)
      report('autoscaler-missing', id, 'neither a HorizontalPodAutoscaler nor a ScaledObject targets it');
    if (hpa && scaled)
      report('autoscaler-conflict', id, 'both an HPA and a KEDA ScaledObject (which makes its own HPA) target it');
    if (hpa && !((hpa.spec?.minReplicas ?? 1) >= 1 && (hpa.spec?.minReplicas ?? 1) <= (hpa.spec?.maxReplicas ?? 0)))
      report(
        'autoscaler-range',
        objectId(hpa as K8sObject),
        `minReplicas ${hpa.spec?.minReplicas} and maxReplicas ${hpa.spec?.maxReplicas}`,
      );
    if ((hpa || scaled) && d.spec?.replicas !== undefined)
      report('replicas-with-autoscaler', id, 'spec.replicas is set although an autoscaler owns the count');

    if (!pdbs.some((p) => selects(p.spec?.selector?.matchLabels, podLabels)))
      report('pdb-missing', id, 'no PodDisruptionBudget selects its pods');

    const egress = policies.filter(
      (p) => p.spec?.policyTypes?.includes('Egress') && selects(p.spec?.podSelector.matchLabels, podLabels),
    );
    if (policies.length > 0 && egress.length === 0)
      report('network-policy-uncovered', id, 'the overlay has NetworkPolicies, but none limits its egress');
  }

  for (const h of hpas) {
    const ref = h.spec?.scaleTargetRef;
    if (!deployments.some((d) => ref?.kind === 'Deployment' && d.metadata?.name === ref.name))
      report('autoscaler-target', objectId(h as K8sObject), `targets ${ref?.kind}/${ref?.name}, which is not rendered`);
  }
  for (const s of scaledObjects) {
    const ref = s.spec?.scaleTargetRef;
    if (!deployments.some((d) => (ref?.kind ?? 'Deployment') === 'Deployment' && d.metadata?.name === ref?.name))
      report('autoscaler-target', objectId(s), `targets Deployment/${ref?.name}, which is not rendered`);
  }
  for (const p of pdbs) {
    if (!deployments.some((d) => selects(p.spec?.selector?.matchLabels, podLabelsOf(d))))
      report('pdb-selects-nothing', objectId(p as K8sObject), "selects no Deployment's pods");
  }
  for (const p of policies) {
    const selected = deployments.filter((d) => selects(p.spec?.podSelector.matchLabels, podLabelsOf(d)));
    if (selected.length === 0)
      report('network-policy-selects-nothing', objectId(p as K8sObject), "selects no Deployment's pods");
    for (const rule of p.spec?.ingress ?? []) {
      for (const port of rule.ports ?? []) {
        if (typeof port.port !== 'string') continue;
        for (const d of selected) {
          const names = (d.spec?.template.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((cp) => cp.name));
          if (!names.includes(port.port))
            report(
              'network-policy-port',
              objectId(p as K8sObject),
              `allows port "${port.port}", which ${objectId(d as K8sObject)} does not declare`,
            );
        }
      }
    }
  }
  for (const s of services) {
    if (s.spec?.type === 'LoadBalancer' && !options.allowLoadBalancer)
      report(
        'load-balancer',
        objectId(s as K8sObject),
        'type LoadBalancer, but this overlay has no cloud load balancer',
      );
  }

  const aviaryImages = new Set<string>();
  for (const o of [...deployments, ...jobs]) {
    for (const c of o.spec?.template.spec?.containers ?? []) {
      const image = c.image ?? '';
      const where = `${objectId(o as K8sObject)}/${c.name}`;
      if (!/:[^/]+$/.test(image) || /:(dev|latest)$/.test(image))
        report('image-unpinned', where, `image "${image}" has no release tag (set it in components/release)`);
      if (/(^|\/)aviary(:|$)/.test(image)) aviaryImages.add(image);
    }
  }
  if (aviaryImages.size > 1)
    report('image-mismatch', 'images', `Aviary containers run different images: ${[...aviaryImages].join(', ')}`);

  for (const j of jobs) if (j.spec?.template.spec) checkPodSpec(objectId(j as K8sObject), j.spec.template.spec);
  if (!jobs.some((j) => (j.spec?.template.spec?.containers[0].command ?? []).join(' ').includes('models seed')))
    report('seed-job-missing', 'Job', 'no Job runs `models seed`');

  return findings;
}
