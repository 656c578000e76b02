// The Helm values must give the leaf `site` user exactly hub.conf's permissions: one drifting from the other
// would open (or break) every site's link on Kubernetes only.
import { workspaceRoot } from '@aviary/supervisor';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface SitePermissions {
  allowed_connection_types: string[];
  permissions: { publish: { allow: string[] }; subscribe: { allow: string[]; deny: string[] } };
}

const root = workspaceRoot();
const quoted = (text: string) => [...text.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
const between = (text: string, from: string, to: string) => {
  const start = text.indexOf(from);
  const end = text.indexOf(to, start);
  if (start < 0 || end < 0) throw new Error(`hub.conf no longer has "${from}" ... "${to}": update this test`);
  return text.slice(start, end);
};

function hubConfSite(): SitePermissions {
  const site = between(readFileSync(join(root, 'deploy/nats/hub.conf'), 'utf8'), 'user: site', 'leafnodes {');
  const subscribe = between(site, 'subscribe:', '\n        }');
  return {
    allowed_connection_types: quoted(between(site, 'allowed_connection_types', '\n')),
    permissions: {
      publish: { allow: quoted(between(site, 'publish:', 'subscribe:')) },
      subscribe: {
        allow: quoted(between(subscribe, 'allow:', 'deny:')),
        deny: quoted(between(subscribe, 'deny:', '\n')),
      },
    },
  };
}

it("gives the Helm chart's `site` user hub.conf's permissions", () => {
  const values = parse(readFileSync(join(root, 'deploy/k8s/nats-values.yaml'), 'utf8'));
  const users = values.config.merge.accounts.AVIARY.users as { user: string }[];
  const { allowed_connection_types, permissions } = users.find((u) => u.user === 'site') as unknown as SitePermissions;
  const fromConf = hubConfSite();
  expect(fromConf.permissions.publish.allow.length).toBeGreaterThan(10);
  expect({ allowed_connection_types, permissions }).toEqual(fromConf);
});
