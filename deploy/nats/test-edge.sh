#!/usr/bin/env bash
# Live check of the hybrid/edge setup with real nats-server processes (no Docker): a hub (hub.conf) and an
# edge leaf node (edge-leaf.conf) on free loopback ports with temporary stores.
#   1. both configs pass `nats-server -t`;  2. the leaf connects to the hub;
#   3. a KV bucket and an object store written on the hub are mirrored to the edge by edge-mirrors.js;
#   4. with the hub stopped, the edge still answers reads through the normal KV / object-store API;
#   5. after the hub returns, a new value written there reaches the edge.
# Needs nats-server >= 2.9 on PATH and the repo's node_modules (the `nats` client). Run from anywhere:
#   bash deploy/nats/test-edge.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
command -v nats-server >/dev/null || { echo "FAIL nats-server not found (apt-get install -y nats-server)"; exit 1; }

tmp="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
HUB_PORT=$(free_port); HUB_HTTP=$(free_port); HUB_LEAF=$(free_port)
EDGE_PORT=$(free_port); EDGE_HTTP=$(free_port)

# The shipped configs, with ports, listen addresses and store dirs moved to loopback / temp.
sed -e "s#^listen: .*#listen: 127.0.0.1:$HUB_PORT#" -e "s#^http: .*#http: 127.0.0.1:$HUB_HTTP#" \
    -e "s#^  listen: 0.0.0.0:7422#  listen: 127.0.0.1:$HUB_LEAF#" -e "s#store_dir: .*#store_dir: $tmp/hub#" \
    "$here/hub.conf" >"$tmp/hub.conf"
sed -e "s#^listen: .*#listen: 127.0.0.1:$EDGE_PORT#" -e "s#^http: .*#http: 127.0.0.1:$EDGE_HTTP#" \
    -e "s#store_dir: .*#store_dir: $tmp/edge#" -e "s#nats://hub.example.internal:7422#nats://127.0.0.1:$HUB_LEAF#" \
    "$here/edge-leaf.conf" >"$tmp/edge.conf"
grep -q "127.0.0.1:$HUB_LEAF" "$tmp/hub.conf" && grep -q "127.0.0.1:$HUB_LEAF" "$tmp/edge.conf" \
  || { echo "FAIL could not rewrite the configs for the test"; exit 1; }

nats-server --config "$tmp/hub.conf" -t && nats-server --config "$tmp/edge.conf" -t \
  && echo "PASS config test (nats-server -t) of hub.conf and edge-leaf.conf"

start_hub() { nats-server --config "$tmp/hub.conf" >>"$tmp/hub.log" 2>&1 & hub_pid=$!; pids+=("$hub_pid"); }
start_hub
nats-server --config "$tmp/edge.conf" >"$tmp/edge.log" 2>&1 & pids+=($!)

wait_for() { # $1 = description, $2 = seconds, rest = command
  local what=$1 secs=$2; shift 2
  for _ in $(seq 1 $((secs * 2))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "FAIL $what (within ${secs}s)"; echo "--- hub.log"; tail -20 "$tmp/hub.log"; echo "--- edge.log"; tail -20 "$tmp/edge.log"; exit 1
}
leaf_up() { node -e "fetch('http://127.0.0.1:$EDGE_HTTP/leafz').then(r=>r.json()).then(j=>process.exit(j.leafnodes>0?0:1),()=>process.exit(1))"; }
wait_for "leaf node connected to the hub" 20 leaf_up
echo "PASS edge leaf node connected to the hub (/leafz)"

# The node snippets below run from the repo root so that require('nats') finds its node_modules.
js() { (cd "$root" && node -e "$1"); }

# Hub side: the buckets as Aviary creates them (openKv / openObjectStore), with a value in each.
js "
const { connect, StringCodec } = require('nats');
(async () => {
  const nc = await connect({ servers: 'nats://127.0.0.1:$HUB_PORT' });
  const js = nc.jetstream();
  const sc = StringCodec();
  const models = await js.views.kv('aviary_models', { history: 5 });
  await models.put('flight-delay', sc.encode('v1'));
  const flags = await js.views.kv('aviary_flags', { history: 5 });
  await flags.put('flight-delay', sc.encode('{\"state\":\"ENABLED\"}'));
  const os = await js.views.os('aviary_models');
  await os.putBlob({ name: 'flight-delay/1/model.onnx' }, new Uint8Array(300000).fill(7));
  await nc.close();
})().catch((e) => { console.error(e); process.exit(1); });
"
echo "PASS hub: KV aviary_models, aviary_flags and object store aviary_models written"

(cd "$root" && node "$here/edge-mirrors.js" --server "nats://127.0.0.1:$EDGE_PORT" --wait 30)
(cd "$root" && node "$here/edge-mirrors.js" --server "nats://127.0.0.1:$EDGE_PORT" >/dev/null)
echo "PASS edge-mirrors.js is idempotent"

read_edge() { # $1 = expected model version; reads through the same client calls the services make
  js "
const { connect, StringCodec } = require('nats');
(async () => {
  const nc = await connect({ servers: 'nats://127.0.0.1:$EDGE_PORT' });
  const js = nc.jetstream();
  const sc = StringCodec();
  const step = async (what, fn) => { try { return await fn(); } catch (e) { throw new Error(what + ': ' + e.message); } };
  const models = await step('open KV aviary_models', () => js.views.kv('aviary_models', { history: 5 }));
  const e = await step('KV get', () => models.get('flight-delay'));
  const v = e && sc.decode(e.value);
  if (v !== '$1') throw new Error('aviary_models/flight-delay = ' + v + ', expected $1');
  const keys = await step('KV keys (watch)', async () => { const out = []; for await (const k of await models.keys()) out.push(k); return out; });
  if (!keys.includes('flight-delay')) throw new Error('KV keys: ' + keys);
  const flags = await step('open KV aviary_flags', () => js.views.kv('aviary_flags', { history: 5 }));
  if (!(await step('KV get flag', () => flags.get('flight-delay')))) throw new Error('flag missing on the edge');
  const os = await step('open object store', () => js.views.os('aviary_models'));
  const info = await step('object info', () => os.info('flight-delay/1/model.onnx'));
  if (!info || info.size !== 300000) throw new Error('object info missing on the edge');
  const blob = await step('object get', () => os.getBlob('flight-delay/1/model.onnx'));
  if (!blob || blob.length !== 300000) throw new Error('object short on the edge: ' + (blob && blob.length));
  await nc.close();
})().catch((e) => { console.error('FAIL edge read: ' + e.message); process.exit(1); });
"
}
read_edge v1 || exit 1
echo "PASS edge reads the mirrored KV entries and the 300 kB object (hub online)"

kill "$hub_pid"; wait "$hub_pid" 2>/dev/null || true
leaf_down() { ! leaf_up; }
wait_for "leaf link down after stopping the hub" 10 leaf_down
read_edge v1 || exit 1
echo "PASS edge still serves models and flags with the hub stopped (offline)"
(cd "$root" && node "$here/edge-mirrors.js" --server "nats://127.0.0.1:$EDGE_PORT" --status) \
  || { echo "FAIL edge-mirrors.js --status with the hub stopped"; exit 1; }
(cd "$root" && node "$here/edge-mirrors.js" --server "nats://127.0.0.1:$EDGE_PORT" >/dev/null) \
  || { echo "FAIL edge-mirrors.js (idempotent re-run) with the hub stopped"; exit 1; }
echo "PASS edge-mirrors.js --status and a re-run work with the hub stopped"

start_hub
wait_for "leaf node reconnected" 30 leaf_up
js "
const { connect, StringCodec } = require('nats');
(async () => {
  const nc = await connect({ servers: 'nats://127.0.0.1:$HUB_PORT' });
  const js = nc.jetstream();
  const kv = await js.views.kv('aviary_models', { history: 5 });
  await kv.put('flight-delay', StringCodec().encode('v2'));
  const os = await js.views.os('aviary_models');
  await os.putBlob({ name: 'flight-delay/2/model.onnx' }, new Uint8Array(500000).fill(9));
  await nc.close();
})().catch((e) => { console.error(e); process.exit(1); });
"
catch_up() { read_edge v2 2>/dev/null; }
wait_for "edge catching up with a value written on the hub after reconnect" 30 catch_up
# An object written on the hub while the link is up must arrive exactly once (intact), not duplicated by the
# leaf link as well as by the source.
js "
const { connect } = require('nats');
(async () => {
  const nc = await connect({ servers: 'nats://127.0.0.1:$EDGE_PORT' });
  const os = await nc.jetstream().views.os('aviary_models');
  for (let i = 0; i < 40; i++) {
    const info = await os.info('flight-delay/2/model.onnx');
    if (info) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const blob = await os.getBlob('flight-delay/2/model.onnx');
  if (!blob || blob.length !== 500000 || blob.some((b) => b !== 9)) throw new Error('object 2 on the edge: ' + (blob && blob.length) + ' bytes');
  const si = await (await nc.jetstreamManager()).streams.info('OBJ_aviary_models');
  await nc.close();
  // 300 kB + 500 kB in 128 KiB chunks = 3 + 4 chunks, plus one metadata message each.
  if (si.state.messages !== 9) throw new Error('edge OBJ_aviary_models holds ' + si.state.messages + ' messages, expected 9 (duplicates?)');
})().catch((e) => { console.error('FAIL edge read of object 2: ' + e.message); process.exit(1); });
" || exit 1
echo "PASS edge caught up with the hub after the link came back (KV value and a new 500 kB object, intact)"
echo "PASS deploy/nats edge test"
