#!/usr/bin/env node
// Creates, on an edge site's NATS server (its own JetStream domain, leaf node of the hub), read-only mirrors
// of the hub's model and flag buckets, so the edge keeps serving from local copies while the link is down.
//
//   node deploy/nats/edge-mirrors.js [--server nats://127.0.0.1:4222] [--hub-domain hub]
//                                    [--kv aviary_models,aviary_flags] [--obj aviary_models]
//                                    [--site NAME] [--hub-server nats://aviary:PASSWORD@HUB:4222]
//                                    [--force] [--status] [--wait SECONDS]
//
// Run it on the edge BEFORE the edge's Aviary services start: a service opening a bucket that does not exist
// creates an ordinary local bucket, which then has to be replaced (--force deletes it and mirrors instead).
// Idempotent: existing mirrors of the right origin are left alone. --status only reports each mirror's lag.
// --wait waits until every mirror has caught up with the hub (lag 0), e.g. before the first deploy.
//
// What it creates (the names the nats.js/Go clients use, so `js.views.kv('aviary_models')` and
// `js.views.os('aviary_models')` bind to them):
//   KV bucket X     -> stream KV_X, a mirror of the hub's KV_X (mirror_direct: reads are answered locally).
//                      Writes through the KV API are forwarded to the hub by the client: they fail offline.
//   object store X  -> stream OBJ_X with the object store's own subjects ($O.X.C.>, $O.X.M.>), SOURCING the
//                      hub's OBJ_X. Not a plain mirror: nats.js 2.x ObjectStore.get() finds the stream by
//                      subject, and a mirror has no subjects ("no stream matches subject"). Objects written
//                      on the hub arrive once, through the source (e2e/hybrid.e2e.ts serves one pushed later);
//                      hub.conf's `site` user keeps the hub's own $O.> traffic off the link, which the copy
//                      would otherwise store a second time (a chunk arriving twice corrupts the object).
//   telemetry       -> stream AVIARY_SITE_TELEMETRY on the edge (subjects aviary.v1.telemetry.<site>.>), and a
//                      source of it in the hub's AVIARY_TELEMETRY (created if missing; it has no subjects of
//                      its own, so a message arrives once, through the source, even while both sides are linked).
//                      The edge stores what its services publish while the link is down; the hub catches up
//                      when it returns. --site defaults to the edge's JetStream domain. A site's own link may
//                      not change the hub's streams (hub.conf, user `site`), so registering the source needs
//                      --hub-server with the hub's operator credentials (once per site; without it, or with
//                      the hub unreachable, it is skipped with a warning).
// Names as in libs/contracts/src/subjects.ts (buckets, objectStores, streams, subjects.telemetry).
// Uses the project's own `nats` client; no nats CLI needed.
'use strict';
const { connect } = require('nats');

function parseArgs(argv) {
  const opts = {
    server: process.env.NATS_URL || 'nats://127.0.0.1:4222',
    hubDomain: process.env.AVIARY_HUB_DOMAIN || 'hub',
    kv: ['aviary_models', 'aviary_flags'],
    obj: ['aviary_models'],
    site: '',
    hubServer: '',
    force: false,
    status: false,
    wait: 0,
  };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    const list = (v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    if (a === '--server') opts.server = next();
    else if (a === '--hub-domain') opts.hubDomain = next();
    else if (a === '--kv') opts.kv = list(next());
    else if (a === '--obj') opts.obj = list(next());
    else if (a === '--site') opts.site = next();
    else if (a === '--hub-server') opts.hubServer = next();
    else if (a === '--force') opts.force = true;
    else if (a === '--status') opts.status = true;
    else if (a === '--wait') opts.wait = Number(next());
    else if (a === '-h' || a === '--help') {
      console.log(require('fs').readFileSync(__filename, 'utf8').split('\n').slice(1, 20).join('\n'));
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

/** Whether an edge stream config already copies `name` from the hub domain (mirror or source). */
function copiesHub(config, name, hubDomain) {
  const links = config.mirror ? [config.mirror] : config.sources || [];
  return links.some((l) => l.name === name && l.external && l.external.api === `$JS.${hubDomain}.API`);
}

const isNotFound = (e) => /not found/i.test(String(e && e.message));

const external = (hubDomain) => ({ api: `$JS.${hubDomain}.API`, deliver: '' });

/** The edge copy of one hub stream: a mirror for KV, subjects + a source for object stores (see top). */
function edgeConfig(name, hubDomain, origin) {
  const c = origin ? origin.config : {};
  const config = {
    name,
    description: `Aviary edge copy of ${name} in JetStream domain ${hubDomain}`,
    storage: 'file',
    num_replicas: 1,
    allow_direct: true,
    allow_rollup_hdrs: true,
    discard: 'old',
  };
  if (name.startsWith('OBJ_')) {
    const bucket = name.slice('OBJ_'.length);
    config.subjects = [`$O.${bucket}.C.>`, `$O.${bucket}.M.>`];
    config.sources = [{ name, external: external(hubDomain) }];
  } else {
    config.mirror = { name, external: external(hubDomain) };
    config.mirror_direct = true;
  }
  if (c.max_msgs_per_subject) config.max_msgs_per_subject = c.max_msgs_per_subject;
  if (c.max_age) config.max_age = c.max_age;
  if (c.max_bytes && c.max_bytes > 0) config.max_bytes = c.max_bytes;
  return config;
}

async function main() {
  const opts = parseArgs(process.argv);
  const streams = [...opts.kv.map((b) => `KV_${b}`), ...opts.obj.map((b) => `OBJ_${b}`)];
  const nc = await connect({ ...withCredentials(opts.server), name: 'aviary-edge-mirrors', timeout: 10_000 });
  let local;
  try {
    local = await nc.jetstreamManager();
  } catch (e) {
    throw new Error(
      `no JetStream answers on ${opts.server} (${e.message}): is it an edge server with jetstream { domain: ... }?`,
    );
  }
  // checkAPI false: the hub may be unreachable (offline edge); calls to it then fail one by one.
  const hub = await nc.jetstreamManager({ domain: opts.hubDomain, timeout: 5_000, checkAPI: false });
  const localDomain = (await local.getAccountInfo()).domain || '(none)';
  if (localDomain === opts.hubDomain) {
    throw new Error(
      `${opts.server} is in JetStream domain "${localDomain}", the hub's own: connect to the edge server`,
    );
  }
  console.log(`edge ${opts.server} (domain ${localDomain}) <- hub domain ${opts.hubDomain}`);

  let failed = false;
  for (const name of streams) {
    let existing;
    try {
      existing = await local.streams.info(name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    if (opts.status) {
      const link = existing && (existing.mirror || (existing.sources || [])[0]);
      if (!existing) console.log(`MISSING ${name}`);
      else if (!copiesHub(existing.config, name, opts.hubDomain) || !link) {
        console.log(
          `LOCAL   ${name}: an ordinary stream, not a copy of ${opts.hubDomain} (${existing.state.messages} messages)`,
        );
      } else {
        const seen = link.active < 0 ? 'never' : `${(link.active / 1e9).toFixed(1)} s ago`;
        console.log(
          `COPY    ${name}: ${existing.state.messages} messages, lag ${link.lag}, last contact with the hub ${seen}`,
        );
      }
      continue;
    }
    if (existing && copiesHub(existing.config, name, opts.hubDomain)) {
      console.log(`ok      ${name}: already copies ${name} from ${opts.hubDomain}`);
      continue;
    }
    if (existing) {
      if (!opts.force) {
        console.error(
          `FAIL    ${name} exists on the edge and does not copy ${opts.hubDomain}; rerun with --force to replace it`,
        );
        failed = true;
        continue;
      }
      await local.streams.delete(name);
      console.log(`deleted ${name} (did not copy ${opts.hubDomain})`);
    }
    let origin;
    try {
      origin = await hub.streams.info(name);
    } catch (e) {
      console.warn(
        `warn    ${name}: cannot read it in domain ${opts.hubDomain} (${e.message}); mirroring with defaults, it fills once the hub has it`,
      );
    }
    await local.streams.add(edgeConfig(name, opts.hubDomain, origin));
    console.log(
      `created ${name}: ${name.startsWith('OBJ_') ? 'sources' : 'mirror of'} ${name} in domain ${opts.hubDomain}`,
    );
  }

  if (!opts.status) await ensureTelemetry(local, opts, opts.site || localDomain, localDomain);

  if (opts.wait > 0 && !failed) {
    const deadline = Date.now() + opts.wait * 1000;
    for (;;) {
      const pending = [];
      for (const name of streams) {
        const info = await local.streams.info(name);
        const link = info.mirror || (info.sources || [])[0];
        let hubMessages;
        try {
          hubMessages = (await hub.streams.info(name)).state.messages;
        } catch {
          hubMessages = undefined;
        }
        // Caught up: the link reports no lag and the copy holds at least what the hub holds.
        const have = info.state.messages;
        if (hubMessages === undefined || !link || link.lag > 0 || have < hubMessages) {
          pending.push(`${name} ${have}/${hubMessages ?? '?'} messages`);
        }
      }
      if (pending.length === 0) {
        console.log('in sync: every edge copy holds what the hub holds');
        break;
      }
      if (Date.now() > deadline) {
        console.error(`FAIL    not in sync after ${opts.wait} s: ${pending.join(', ')}`);
        failed = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  await nc.close();
  process.exit(failed ? 1 : 0);
}

/** nats.js 2.x ignores user info in a URL: nats://aviary:PASSWORD@hub:4222 -> servers + user/pass. */
function withCredentials(url) {
  const options = { servers: [] };
  for (const server of url.split(',')) {
    const m = /^([a-z]+:\/\/)([^@/]*)@(.*)$/.exec(server.trim());
    if (!m) options.servers.push(server.trim());
    else {
      const [user, pass] = m[2].split(':').map(decodeURIComponent);
      Object.assign(options, { user, pass });
      options.servers.push(m[1] + m[3]);
    }
  }
  return options;
}

const SITE_TELEMETRY = 'AVIARY_SITE_TELEMETRY';
const HUB_TELEMETRY = 'AVIARY_TELEMETRY';

/** The edge's telemetry stream, and (with --hub-server) its source in the hub's. */
async function ensureTelemetry(local, opts, site, localDomain) {
  const subjects = [`aviary.v1.telemetry.${site}.>`];
  try {
    const existing = await local.streams.info(SITE_TELEMETRY);
    if (JSON.stringify(existing.config.subjects) !== JSON.stringify(subjects)) {
      await local.streams.update(SITE_TELEMETRY, { ...existing.config, subjects });
    }
    console.log(`ok      ${SITE_TELEMETRY}: ${subjects[0]}`);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await local.streams.add({
      name: SITE_TELEMETRY,
      description: `Aviary telemetry of site ${site}, kept until the hub has sourced it (and for 7 days)`,
      subjects,
      storage: 'file',
      num_replicas: 1,
      max_age: 7 * 24 * 3600 * 1e9,
      max_bytes: 1024 ** 3,
      discard: 'old',
    });
    console.log(`created ${SITE_TELEMETRY}: ${subjects[0]}`);
  }
  const source = { name: SITE_TELEMETRY, external: external(localDomain) };
  if (!opts.hubServer) {
    console.warn(
      `warn    ${HUB_TELEMETRY} on the hub not checked: give --hub-server to register this site's telemetry`,
    );
    return;
  }
  let nc;
  try {
    nc = await connect({ ...withCredentials(opts.hubServer), name: 'aviary-edge-mirrors', timeout: 5_000 });
    const hub = await nc.jetstreamManager();
    let info;
    try {
      info = await hub.streams.info(HUB_TELEMETRY);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    if (!info) {
      await hub.streams.add({
        name: HUB_TELEMETRY,
        description: "Aviary telemetry of every leaf site, sourced from each site's AVIARY_SITE_TELEMETRY",
        storage: 'file',
        sources: [source],
      });
      console.log(`created ${HUB_TELEMETRY} on the hub, sourcing ${SITE_TELEMETRY} of domain ${localDomain}`);
    } else if (!(info.config.sources || []).some((s) => s.external && s.external.api === source.external.api)) {
      await hub.streams.update(HUB_TELEMETRY, { ...info.config, sources: [...(info.config.sources || []), source] });
      console.log(`added   ${HUB_TELEMETRY} source: ${SITE_TELEMETRY} of domain ${localDomain}`);
    } else console.log(`ok      ${HUB_TELEMETRY} on the hub sources domain ${localDomain}`);
  } catch (e) {
    console.warn(`warn    ${HUB_TELEMETRY} on the hub: ${e.message} (rerun when the hub is reachable)`);
  } finally {
    if (nc) await nc.close();
  }
}

main().catch((e) => {
  console.error(`edge-mirrors: ${e.message}`);
  process.exit(1);
});
