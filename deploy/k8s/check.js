#!/usr/bin/env node
// Checks deploy/k8s without a cluster or a kustomize binary:
//   1. every YAML file parses (base, overlays, Helm values);
//   2. each overlay is built with a small kustomize subset (resources, namespace, images,
//      configMapGenerator with behavior merge, patches: strategic-merge files and inline JSON6902 or
//      strategic-merge patches with a kind / labelSelector target) — enough for these manifests, not a
//      general kustomize;
//   3. the built objects are consistent: every Deployment has probes on /health/live and /health/ready
//      against a declared port, requests and a memory limit, a non-root read-only securityContext, the
//      generated ConfigMap, an AVIARY_HTTP_PORT equal to its http port and a command whose source exists
//      (apps/<name>/src/main.ts); a Service selecting its pods with existing target ports; an HPA
//      (min <= max) and a PodDisruptionBudget selecting it; the seed Job is there.
//   node deploy/k8s/check.js            prints one PASS/FAIL line per check, exits 1 on any failure
// YAML parser: js-yaml or yaml from the repo's node_modules (both are there as dependencies of the tools).
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const here = __dirname;
const root = path.resolve(here, '..', '..');

function parser() {
  for (const [name, load] of [
    ['js-yaml', (m) => (text) => m.loadAll(text)],
    [
      'yaml',
      (m) => (text) =>
        m.parseAllDocuments(text).map((d) => {
          if (d.errors && d.errors.length) throw d.errors[0];
          return d.toJSON();
        }),
    ],
  ]) {
    try {
      return load(require(require.resolve(name, { paths: [root] })));
    } catch {
      /* try the next one */
    }
  }
  console.error('FAIL no YAML parser (js-yaml or yaml) in node_modules: run npm ci');
  process.exit(1);
}
const loadAll = parser();
const readDocs = (file) => loadAll(fs.readFileSync(file, 'utf8')).filter((d) => d && typeof d === 'object');

let failures = 0;
const pass = (msg) => console.log(`PASS ${msg}`);
const fail = (msg) => {
  failures++;
  console.log(`FAIL ${msg}`);
};
const clone = (o) => JSON.parse(JSON.stringify(o));
const id = (o) => `${o.kind}/${o.metadata.name}`;

// ---- strategic merge (the parts used here: maps merge, lists of named items merge by name) ----
function smp(target, patch) {
  if (Array.isArray(patch)) {
    if (!Array.isArray(target)) return clone(patch);
    const named =
      patch.every((p) => p && typeof p === 'object' && 'name' in p) &&
      target.every((t) => t && typeof t === 'object' && 'name' in t);
    if (!named) return clone(patch);
    const out = clone(target);
    for (const p of patch) {
      const i = out.findIndex((t) => t.name === p.name);
      if (i >= 0) out[i] = smp(out[i], p);
      else out.push(clone(p));
    }
    return out;
  }
  if (patch && typeof patch === 'object') {
    const out = target && typeof target === 'object' && !Array.isArray(target) ? clone(target) : {};
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete out[k];
      else out[k] = smp(out[k], v);
    }
    return out;
  }
  return patch;
}

// ---- JSON6902 (add, replace, remove) ----
function json6902(obj, ops) {
  const out = clone(obj);
  for (const op of ops) {
    const parts = op.path
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop();
    let node = out;
    for (const p of parts) {
      if (node[p] === undefined) throw new Error(`${op.op} ${op.path}: ${p} does not exist in ${id(obj)}`);
      node = node[p];
    }
    if (op.op === 'add') {
      if (Array.isArray(node)) {
        if (last === '-') node.push(clone(op.value));
        else node.splice(Number(last), 0, clone(op.value));
      } else node[last] = clone(op.value);
    } else if (op.op === 'replace') {
      if (node[last] === undefined) throw new Error(`replace ${op.path}: nothing there in ${id(obj)}`);
      node[last] = clone(op.value);
    } else if (op.op === 'remove') {
      if (Array.isArray(node)) node.splice(Number(last), 1);
      else delete node[last];
    } else throw new Error(`unsupported op ${op.op}`);
  }
  return out;
}

function matchesTarget(obj, target) {
  if (target.kind && obj.kind !== target.kind) return false;
  if (target.name && obj.metadata.name !== target.name) return false;
  if (target.labelSelector) {
    const labels = obj.metadata.labels || {};
    for (const term of target.labelSelector.split(',')) {
      const [k, v] = term.split('=');
      if (labels[k.trim()] !== (v || '').trim()) return false;
    }
  }
  return true;
}

function literalsToData(literals = []) {
  const data = {};
  for (const l of literals) {
    const i = l.indexOf('=');
    data[l.slice(0, i)] = l.slice(i + 1);
  }
  return data;
}

/** Builds a kustomization directory into { objects, generators }. */
function build(dir) {
  const k = readDocs(path.join(dir, 'kustomization.yaml'))[0];
  let objects = [];
  let generators = {};
  for (const r of k.resources || []) {
    const p = path.resolve(dir, r);
    if (fs.statSync(p).isDirectory()) {
      const sub = build(p);
      objects.push(...sub.objects);
      generators = { ...generators, ...sub.generators };
    } else objects.push(...readDocs(p));
  }
  for (const g of k.configMapGenerator || []) {
    const data = literalsToData(g.literals);
    if (g.behavior === 'merge') {
      if (!generators[g.name]) throw new Error(`${dir}: configMapGenerator ${g.name} merges into nothing`);
      generators[g.name] = { ...generators[g.name], ...data };
    } else generators[g.name] = data;
  }
  for (const p of k.patches || []) {
    if (p.path) {
      for (const doc of readDocs(path.resolve(dir, p.path))) {
        const i = objects.findIndex((o) => o.kind === doc.kind && o.metadata.name === doc.metadata.name);
        if (i < 0) throw new Error(`${dir}/${p.path}: patch target ${id(doc)} not found`);
        objects[i] = smp(objects[i], doc);
      }
    } else {
      const body = loadAll(p.patch)[0];
      const hits = objects.filter((o) => matchesTarget(o, p.target || {}));
      if (hits.length === 0) throw new Error(`${dir}: inline patch target ${JSON.stringify(p.target)} matches nothing`);
      objects = objects.map((o) => (hits.includes(o) ? (Array.isArray(body) ? json6902(o, body) : smp(o, body)) : o));
    }
  }
  for (const img of k.images || []) {
    for (const o of objects) {
      const spec = o.spec && o.spec.template && o.spec.template.spec;
      for (const c of (spec && [...(spec.containers || []), ...(spec.initContainers || [])]) || []) {
        const [name] = c.image.split(':');
        if (name === img.name) c.image = `${img.newName || name}:${img.newTag || 'latest'}`;
      }
    }
  }
  if (k.namespace) for (const o of objects) o.metadata.namespace = k.namespace;
  return { objects, generators, namespace: k.namespace };
}

/** Adds the generated ConfigMaps (name + content hash) and points envFrom references at them. */
function finish(built) {
  const objects = clone(built.objects);
  const names = {};
  for (const [name, data] of Object.entries(built.generators)) {
    const hash = crypto.createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 10);
    names[name] = `${name}-${hash}`;
    objects.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: names[name], namespace: built.namespace },
      data,
    });
  }
  for (const o of objects) {
    const spec = o.spec && o.spec.template && o.spec.template.spec;
    for (const c of (spec && spec.containers) || []) {
      for (const e of c.envFrom || [])
        if (e.configMapRef && names[e.configMapRef.name]) e.configMapRef.name = names[e.configMapRef.name];
    }
  }
  return objects;
}

const selects = (selector, labels) => Object.entries(selector || {}).every(([k, v]) => (labels || {})[k] === v);

function checkObjects(label, objects) {
  const errors = [];
  const seen = new Set();
  for (const o of objects) {
    if (!o.apiVersion || !o.kind || !o.metadata || !o.metadata.name)
      errors.push(`object without apiVersion/kind/name: ${JSON.stringify(o).slice(0, 80)}`);
    if (seen.has(id(o))) errors.push(`duplicate ${id(o)}`);
    seen.add(id(o));
  }
  const of = (kind) => objects.filter((o) => o.kind === kind);
  const configMaps = new Set(of('ConfigMap').map((c) => c.metadata.name));
  const rows = [];
  const checkPodSpec = (owner, spec) => {
    const sc = spec.securityContext || {};
    if (sc.runAsNonRoot !== true) errors.push(`${owner}: pod securityContext.runAsNonRoot is not true`);
    for (const c of spec.containers) {
      const csc = c.securityContext || {};
      if (csc.readOnlyRootFilesystem !== true) errors.push(`${owner}/${c.name}: readOnlyRootFilesystem is not true`);
      if (csc.allowPrivilegeEscalation !== false)
        errors.push(`${owner}/${c.name}: allowPrivilegeEscalation is not false`);
      if (!c.resources || !c.resources.requests || !c.resources.requests.cpu || !c.resources.requests.memory)
        errors.push(`${owner}/${c.name}: no cpu/memory requests`);
      if (!c.resources || !c.resources.limits || !c.resources.limits.memory)
        errors.push(`${owner}/${c.name}: no memory limit`);
      if (/^aviary(:dev)?$/.test(c.image) && label !== 'base')
        errors.push(`${owner}/${c.name}: image ${c.image} not pinned by the overlay`);
      for (const e of c.envFrom || []) {
        if (e.configMapRef && !configMaps.has(e.configMapRef.name))
          errors.push(`${owner}/${c.name}: ConfigMap ${e.configMapRef.name} missing`);
      }
      const main = (c.command || []).find((a) => /^dist\/apps\/.*\/main\.js$/.test(a));
      if (!main) errors.push(`${owner}/${c.name}: command does not run dist/apps/<app>/src/main.js`);
      else if (!fs.existsSync(path.join(root, main.replace(/^dist\//, '').replace(/\.js$/, '.ts')))) {
        errors.push(`${owner}/${c.name}: ${main} has no source ${main.replace(/^dist\//, '').replace(/\.js$/, '.ts')}`);
      }
      const mounts = new Set((c.volumeMounts || []).map((m) => m.name));
      for (const m of mounts)
        if (!(spec.volumes || []).some((v) => v.name === m))
          errors.push(`${owner}/${c.name}: volume ${m} not declared`);
    }
  };
  for (const d of of('Deployment')) {
    const name = d.metadata.name;
    const spec = d.spec.template.spec;
    const podLabels = d.spec.template.metadata.labels;
    if (!selects(d.spec.selector.matchLabels, podLabels))
      errors.push(`Deployment/${name}: selector does not match its pod labels`);
    checkPodSpec(`Deployment/${name}`, spec);
    const c = spec.containers[0];
    const ports = new Map((c.ports || []).map((p) => [p.name, p.containerPort]));
    for (const [probe, want] of [
      ['livenessProbe', '/health/live'],
      ['readinessProbe', '/health/ready'],
      ['startupProbe', '/health/live'],
    ]) {
      const p = c[probe] && c[probe].httpGet;
      if (!p) errors.push(`Deployment/${name}: no ${probe}`);
      else {
        if (p.path !== want) errors.push(`Deployment/${name}: ${probe} path ${p.path}, expected ${want}`);
        if (typeof p.port === 'string' && !ports.has(p.port))
          errors.push(`Deployment/${name}: ${probe} port ${p.port} not declared`);
      }
    }
    const envPort = (c.env || []).find((e) => e.name === 'AVIARY_HTTP_PORT');
    if (!envPort || Number(envPort.value) !== ports.get('http'))
      errors.push(`Deployment/${name}: AVIARY_HTTP_PORT ${envPort && envPort.value} != http port ${ports.get('http')}`);
    if (d.spec.replicas !== undefined)
      errors.push(`Deployment/${name}: spec.replicas set although an HPA owns the count`);
    const svc = of('Service').find(
      (s) => selects(s.spec.selector, podLabels) && Object.keys(s.spec.selector || {}).length > 0,
    );
    if (!svc) errors.push(`Deployment/${name}: no Service selects its pods`);
    else
      for (const p of svc.spec.ports)
        if (typeof p.targetPort === 'string' && !ports.has(p.targetPort))
          errors.push(`Service/${svc.metadata.name}: targetPort ${p.targetPort} not a container port`);
    const hpa = of('HorizontalPodAutoscaler').find(
      (h) => h.spec.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === name,
    );
    if (!hpa) errors.push(`Deployment/${name}: no HorizontalPodAutoscaler`);
    else if (!(hpa.spec.minReplicas >= 1 && hpa.spec.minReplicas <= hpa.spec.maxReplicas))
      errors.push(`HPA/${name}: min ${hpa.spec.minReplicas} max ${hpa.spec.maxReplicas}`);
    const pdb = of('PodDisruptionBudget').find((p) => selects(p.spec.selector.matchLabels, podLabels));
    if (!pdb) errors.push(`Deployment/${name}: no PodDisruptionBudget`);
    rows.push(
      `${name} ${hpa ? `${hpa.spec.minReplicas}..${hpa.spec.maxReplicas}` : '?'} ${c.image} cpu ${c.resources.requests.cpu} mem ${c.resources.requests.memory}/${c.resources.limits.memory}`,
    );
  }
  const jobs = of('Job');
  if (!jobs.some((j) => (j.spec.template.spec.containers[0].command || []).join(' ').includes('models seed')))
    errors.push('no seed Job running `models seed`');
  for (const j of jobs) checkPodSpec(`Job/${j.metadata.name}`, j.spec.template.spec);
  if (of('Deployment').length < 5) errors.push(`only ${of('Deployment').length} Deployments`);
  if (errors.length) for (const e of errors) fail(`${label}: ${e}`);
  else
    pass(
      `${label}: ${objects.length} objects consistent (${of('Deployment').length} Deployments, ${of('Service').length} Services, ${of('HorizontalPodAutoscaler').length} HPAs, ${of('PodDisruptionBudget').length} PDBs, ${jobs.length} Job, ${configMaps.size} ConfigMap)`,
    );
  for (const r of rows) console.log(`     ${r}`);
}

// 1. every YAML file parses
const yamlFiles = [];
(function walk(d) {
  for (const f of fs.readdirSync(d)) {
    const p = path.join(d, f);
    if (fs.statSync(p).isDirectory()) walk(p);
    else if (/\.ya?ml$/.test(f)) yamlFiles.push(p);
  }
})(here);
let parsed = 0;
for (const f of yamlFiles) {
  try {
    readDocs(f);
    parsed++;
  } catch (e) {
    fail(`${path.relative(root, f)} does not parse: ${e.message}`);
  }
}
if (parsed === yamlFiles.length) pass(`${parsed} YAML files under deploy/k8s parse`);

// 2 + 3. build and check base and overlays
for (const [label, dir] of [
  ['base', 'base'],
  ['cloud', 'overlays/cloud'],
  ['on-prem', 'overlays/on-prem'],
]) {
  try {
    checkObjects(label, finish(build(path.join(here, dir))));
  } catch (e) {
    fail(`${label}: build failed: ${e.message}`);
  }
}

// Helm values: the keys the NATS chart 1.x reads for JetStream, PVC and cluster size.
const values = readDocs(path.join(here, 'nats-values.yaml'))[0];
const js = values.config && values.config.jetstream;
if (
  js &&
  js.enabled &&
  js.fileStore &&
  js.fileStore.pvc &&
  js.fileStore.pvc.enabled &&
  values.config.cluster.replicas === 3 &&
  js.merge &&
  js.merge.domain === 'hub'
) {
  pass('nats-values.yaml: JetStream with file storage on a PVC, 3-node cluster, domain hub');
} else
  fail('nats-values.yaml: expected config.jetstream (fileStore.pvc, merge.domain hub) and config.cluster.replicas 3');

console.log(failures ? `FAIL deploy/k8s: ${failures} problem(s)` : 'PASS deploy/k8s');
process.exit(failures ? 1 : 0);
