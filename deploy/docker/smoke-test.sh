#!/usr/bin/env bash
# Compose smoke test (CI runs it): build the image, start the whole stack (docker-compose up -d), wait until
# the gateway is ready, then one REST prediction and one gRPC ModelInfer through the ports published on
# 127.0.0.1, `run --rm cli models list`, the edge profile (its agent predicting as the gateway does), check every
# container is healthy, and always `down -v` at the end.
#
#   bash deploy/docker/smoke-test.sh
#
# Where no Docker engine runs and no registry is reachable (these machines, CI), it first runs
# ../shared/tools/local-docker (beside the repo), which installs and starts dockerd and builds stand-in base
# images, and builds against those. Variables (all optional):
#   SMOKE_LOCAL_DOCKER=0      do not run ../shared/tools/local-docker (use the Docker you have)
#   SMOKE_HTTP_PORT=18080     host port for the gateway's REST port (not 8080: a dev stack may be running)
#   SMOKE_GRPC_PORT=18081     host port for the gateway's gRPC port
#   SMOKE_EDGE_PORT=18090     host port for the edge agent (profile "edge")
#   SMOKE_EDGE=0              skip the edge profile (a leaf nats-server, its mirrors, the edge agent)
#   SMOKE_TIMEOUT=300         seconds to wait for /v2/health/ready
#   SMOKE_SCALE="--scale inference=2 --scale preprocessor=2"   replicas to start (stateless services)
#   SMOKE_KEEP=1              leave the stack running at the end (no `down -v`), to debug
#   COMPOSE="docker compose"  the Compose command (default: docker-compose if installed, else docker compose)
#   NODE_IMAGE, NATS_IMAGE, AVIARY_IMAGE as in docker-compose.yml (AVIARY_IMAGE defaults to aviary:smoke here)
set -uo pipefail

root="$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)"
cd "$root"
started=$(date +%s)
elapsed() { echo "$(( $(date +%s) - started ))s"; }
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; exit 1; }

# ---- a Docker engine, and base images to build against ----
local_docker="$root/../shared/tools/local-docker"
if [ "${SMOKE_LOCAL_DOCKER:-1}" != 0 ] && [ -f "$local_docker" ]; then
  echo "smoke: preparing Docker with $local_docker (engine + stand-in base images)"
  env_lines="$(bash "$local_docker" all)" || fail "local-docker could not provide a Docker engine"
  eval "$env_lines"
  pass "Docker engine ready ($(elapsed)); NODE_IMAGE=${NODE_IMAGE:-} NATS_IMAGE=${NATS_IMAGE:-}"
fi
docker info >/dev/null 2>&1 || fail "no Docker engine answers (docker info)"

if [ -z "${COMPOSE:-}" ]; then
  if command -v docker-compose >/dev/null; then COMPOSE=docker-compose; else COMPOSE="docker compose"; fi
fi
export AVIARY_BIND=127.0.0.1
export AVIARY_HTTP_PORT="${SMOKE_HTTP_PORT:-18080}"
export AVIARY_GRPC_PORT="${SMOKE_GRPC_PORT:-18081}"
export AVIARY_EDGE_PORT="${SMOKE_EDGE_PORT:-18090}"
export AVIARY_IMAGE="${AVIARY_IMAGE:-aviary:smoke}"
export OTEL_EXPORTER_OTLP_ENDPOINT=
unset COMPOSE_PROFILES
# Creating a container copies the whole image with the vfs storage driver: with nine containers starting
# at once the Docker API answers slower than Compose's default 60 s client timeout.
export COMPOSE_HTTP_TIMEOUT="${COMPOSE_HTTP_TIMEOUT:-600}" DOCKER_CLIENT_TIMEOUT="${DOCKER_CLIENT_TIMEOUT:-600}"
project=aviary-smoke
compose() { $COMPOSE -p "$project" "$@"; }
timeout_s="${SMOKE_TIMEOUT:-300}"
scale="${SMOKE_SCALE---scale inference=2 --scale preprocessor=2}"
http="http://127.0.0.1:$AVIARY_HTTP_PORT"

cleanup() {
  rc=$?
  if [ "$rc" != 0 ]; then
    echo "---- smoke failed: container states and the last log lines ----"
    compose ps 2>&1 || true
    compose logs --no-color --tail=60 2>&1 | tail -n 400 || true
  fi
  if [ "${SMOKE_KEEP:-0}" = 1 ]; then
    echo "smoke: SMOKE_KEEP=1, leaving the stack up ($COMPOSE -p $project down -v to remove it)"
  else
    compose down -v --remove-orphans >/dev/null 2>&1 || true
  fi
  echo "smoke: total $(elapsed)"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

compose down -v --remove-orphans >/dev/null 2>&1 || true   # leftovers of an interrupted run
compose config -q || fail "docker-compose.yml does not validate ($COMPOSE config)"
pass "compose config valid ($COMPOSE)"

# ---- build and start ----
# Every service runs the same image, so it is built once (compose build seed); `up` then finds it. (`up
# --build` would repeat the cached build for each of the six services: about a minute each on vfs.)
t=$(date +%s)
compose build seed || fail "image build (compose build)"
pass "image $AVIARY_IMAGE built in $(( $(date +%s) - t ))s"
t=$(date +%s)
# shellcheck disable=SC2086  # $scale is a list of flags
compose up -d $scale || fail "compose up (a service did not start, or the seed job failed)"
pass "compose up -d $scale ($(( $(date +%s) - t ))s)"

# ---- wait for readiness ----
t=$(date +%s)
deadline=$(( t + timeout_s ))
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$http/v2/health/ready" 2>/dev/null)" = 200 ]; do
  [ "$(date +%s)" -ge "$deadline" ] && fail "gateway $http/v2/health/ready not 200 within ${timeout_s}s"
  sleep 2
done
pass "gateway ready: $http/v2/health/ready = 200 after $(( $(date +%s) - t ))s"

# ---- one REST prediction (retried briefly: inference replicas may still be loading the model) ----
body='{"instances":[{"date":"2001/01/14 17:05","distance":1009,"origin":"SEA","destination":"SFO"}]}'
out=""
for _ in $(seq 1 30); do
  if out=$(curl -fsS -X POST "$http/v1/models/flight-delay/predict" -H 'content-type: application/json' -d "$body" 2>&1) \
    && printf '%s' "$out" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);process.exit(Array.isArray(j.predictions)&&j.predictions.length>0?0:1)})' 2>/dev/null; then
    break
  fi
  out="${out:-no answer}"
  sleep 2
  false
done || fail "REST predict: $out"
pass "REST predict flight-delay: ${out:0:300}"

# ---- one gRPC ModelInfer through the published gRPC port ----
node deploy/docker/smoke-grpc.js --target "127.0.0.1:$AVIARY_GRPC_PORT" --model flight-delay \
  || fail "gRPC ModelInfer through 127.0.0.1:$AVIARY_GRPC_PORT"

# ---- the CLI inside the stack, as the README shows it: every demo version listed, flight-delay 2 serving ----
t=$(date +%s)
listed=$(compose run --rm cli models list 2>&1) || fail "compose run --rm cli models list: $listed"
printf '%s\n' "$listed" | grep -Eq '^flight-delay +2 +serving' \
  || fail "cli models list does not show flight-delay 2 serving: $listed"
pass "compose run --rm cli models list ($(( $(date +%s) - t ))s): $(printf '%s\n' "$listed" | grep -E '^flight-delay +2' | tr -s ' ')"

# ---- the edge profile: a leaf nats-server linked to the hub, its bucket mirrors, and the edge agent serving from
# them; its prediction must be the gateway's for the same record ----
if [ "${SMOKE_EDGE:-1}" != 0 ]; then
  t=$(date +%s)
  compose --profile edge up -d --no-recreate edge || fail "compose --profile edge up -d edge"
  edge_url="http://127.0.0.1:$AVIARY_EDGE_PORT"
  deadline=$(( $(date +%s) + timeout_s ))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "$edge_url/health/ready" 2>/dev/null)" = 200 ]; do
    [ "$(date +%s)" -ge "$deadline" ] && fail "edge agent $edge_url/health/ready not 200 within ${timeout_s}s"
    sleep 2
  done
  edge_out=$(curl -fsS -X POST "$edge_url/v1/models/flight-delay/predict" -H 'content-type: application/json' \
    -d "$body" 2>&1) || fail "edge predict: $edge_out"
  GATEWAY="$out" EDGE="$edge_out" node -e '
    const pick = (s) => { const j = JSON.parse(s); return JSON.stringify([j.version, j.predictions]); };
    process.exit(pick(process.env.GATEWAY) === pick(process.env.EDGE) ? 0 : 1);' \
    || fail "the edge agent's prediction differs from the gateway's: edge $edge_out, gateway $out"
  pass "edge profile up, agent ready and predicting as the gateway does ($(( $(date +%s) - t ))s): ${edge_out:0:200}"
fi

# ---- every container healthy (the scaled ones included; the gateway started last, so its Docker health
# check may still be in its first interval) ----
t=$(date +%s)
while :; do
  states=$(docker ps --filter "label=com.docker.compose.project=$project" --format '{{.Names}} {{.Status}}')
  [ -n "$states" ] || fail "no containers of project $project are running"
  waiting=$(printf '%s\n' "$states" | grep -v '(healthy)' || true)
  [ -z "$waiting" ] && break
  [ $(( $(date +%s) - t )) -ge 120 ] && fail "containers not healthy after 120s: $(printf '%s' "$waiting" | tr '\n' ';')"
  sleep 3
done
pass "all $(printf '%s\n' "$states" | wc -l) running containers healthy: $(printf '%s\n' "$states" | awk '{print $1}' | sed "s/^${project}_//" | tr '\n' ' ')"
echo "PASS compose smoke test ($(elapsed))"
