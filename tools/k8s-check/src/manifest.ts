// The rendered objects the check works on, and how each is named in a finding.
import type { IConfigMap, IContainer, IPodSpec, IService } from 'kubernetes-models/v1';
import type { IDeployment } from 'kubernetes-models/apps/v1';

/** Any object kustomize rendered: only its type and name are certain. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export const objectId = (o: K8sObject) => `${o.kind}/${o.metadata?.name ?? '?'}`;

export const ofKind = <T>(objects: readonly K8sObject[], kind: string) =>
  objects.filter((o) => o.kind === kind) as unknown as T[];

/** True when every label the selector asks for is on the pod (an empty selector selects nothing here). */
export const selects = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  Object.keys(selector ?? {}).length > 0 &&
  Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value);

export type { IConfigMap, IContainer, IDeployment, IPodSpec, IService };
