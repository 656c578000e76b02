// Offline validation of rendered objects against the published API schemas: Kubernetes' own through
// kubernetes-models (bundled OpenAPI schemas), CRDs through their @kubernetes-models packages.
// Limit: the bundled schemas do not forbid unknown fields, so a misspelt optional field passes here.
import { spawnSync } from 'node:child_process';
import { K8sObject, objectId } from './manifest';

export interface SchemaFinding {
  rule: 'schema' | 'schema-unknown';
  object: string;
  message: string;
}

/** CRD API groups and the package that holds their schemas (ESM-only, so they load in a child process). */
const CRD_PACKAGES: Record<string, string> = { 'keda.sh': '@kubernetes-models/keda' };

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: unknown) => Validatable;

const group = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

export function validateSchemas(objects: readonly K8sObject[], cwd: string): SchemaFinding[] {
  const findings: SchemaFinding[] = [];
  const crds: { index: number; module: string; kind: string }[] = [];
  objects.forEach((o, index) => {
    const crdPackage = CRD_PACKAGES[group(o.apiVersion)];
    if (crdPackage) {
      crds.push({ index, module: `${crdPackage}/${o.apiVersion}`, kind: o.kind });
      return;
    }
    const model = coreModel(o.apiVersion, o.kind);
    if (!model) {
      findings.push({
        rule: 'schema-unknown',
        object: objectId(o),
        message: `no schema for ${o.apiVersion} ${o.kind}`,
      });
      return;
    }
    try {
      new model(o).validate();
    } catch (error) {
      findings.push({ rule: 'schema', object: objectId(o), message: (error as Error).message });
    }
  });
  if (crds.length > 0) findings.push(...validateCrds(crds, objects, cwd));
  return findings;
}

function coreModel(apiVersion: string, kind: string): ModelClass | undefined {
  try {
    // kubernetes-models lays its modules out by API version: kubernetes-models/apps/v1, kubernetes-models/v1.
    const models = require(`kubernetes-models/${apiVersion}`) as Record<string, ModelClass | undefined>;
    return models[kind];
  } catch {
    return undefined;
  }
}

// Runs in `node --input-type=module`: reads [{ module, kind, object }] on stdin, prints [{ i, message }].
const CRD_VALIDATOR = `
const input = JSON.parse(await new Promise((resolve) => { let s = ''; process.stdin.on('data', (d) => (s += d)); process.stdin.on('end', () => resolve(s)); }));
const out = [];
for (const [i, { module, kind, object }] of input.entries()) {
  let model;
  try { model = (await import(module))[kind]; } catch (e) { out.push({ i, unknown: true, message: 'cannot load ' + module + ': ' + e.message }); continue; }
  if (!model) { out.push({ i, unknown: true, message: module + ' has no ' + kind }); continue; }
  try { new model(object).validate(); } catch (e) { out.push({ i, message: e.message }); }
}
process.stdout.write(JSON.stringify(out));
`;

function validateCrds(
  crds: { index: number; module: string; kind: string }[],
  objects: readonly K8sObject[],
  cwd: string,
): SchemaFinding[] {
  const input = crds.map((c) => ({ module: c.module, kind: c.kind, object: objects[c.index] }));
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', CRD_VALIDATOR], {
    cwd,
    input: JSON.stringify(input),
    encoding: 'utf8',
  });
  if (child.status !== 0) {
    return crds.map((c) => ({
      rule: 'schema-unknown' as const,
      object: objectId(objects[c.index]),
      message: `CRD validator failed: ${child.stderr.trim()}`,
    }));
  }
  const results = JSON.parse(child.stdout) as { i: number; unknown?: boolean; message: string }[];
  return results.map((r) => ({
    rule: r.unknown ? ('schema-unknown' as const) : ('schema' as const),
    object: objectId(objects[crds[r.i].index]),
    message: r.message,
  }));
}
