#!/usr/bin/env bash
# The image test: build the operator image with the local daemon and prove it works end to end.
#
#   1. the base image (hack/build-base-image.sh makes a local stand-in when no registry is reachable)
#   2. the operator image (docker build; legacy builder when BuildKit is unavailable; --network host
#      when the daemon has no bridge network)
#   3. static checks of the image: numeric non-root USER, HEALTHCHECK, entrypoint
#   3b. the dev target the Tiltfile builds: a synced source change restarts the process (tsx watch)
#   3c. `run-once` in the hardened image against the host's daemon: works with the socket's group,
#       is refused (EACCES) without it
#   4. run it in embedded mode, hardened as in the manifests (read-only root, no capabilities, no
#      new privileges, non-root), with the host's Docker socket and its group, on the host's
#      loopback (--network host, 127.0.0.1, free ports), a temp data dir and a host dir for the
#      kubeconfig it writes
#   5. kubectl (the host's) applies a job through that kubeconfig; wait (bounded) until
#      `kubectl get sdj` shows LAST RESULT Succeeded
#   6. /healthz, /metrics, the image's own HEALTHCHECK command, and the process's uid inside
#   7. clean up every container, job container and temp dir it started (the built image is kept
#      as a cache; remove it with `docker rmi $OFELIA_IMAGE`)
#
# Environment: OFELIA_IMAGE (default ofelia-operator:test), BASE_IMAGE (default node:20-bookworm-slim),
# TEST_JOB_IMAGE (default local/busybox:test, from hack/docker-up.sh), OFELIA_IMAGE_TEST_TIMEOUT
# (seconds to wait for a Succeeded run, default 120), OFELIA_BUILD_CA_FILE (PEM file(s) npm ci in the
# build must trust, for TLS-inspecting egress; default /usr/local/share/ca-certificates/*.crt, empty: none).
# Exits non-zero with a message starting "test-image: FAIL" on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE="${OFELIA_IMAGE:-ofelia-operator:test}"
BASE_IMAGE="${BASE_IMAGE:-node:20-bookworm-slim}"
JOB_IMAGE="${TEST_JOB_IMAGE:-local/busybox:test}"
RUN_TIMEOUT="${OFELIA_IMAGE_TEST_TIMEOUT:-120}"
SOCKET=/var/run/docker.sock
started=$(date +%s)

log() { echo "test-image: $* ($(($(date +%s) - started))s)" >&2; }
fail() {
  echo "test-image: FAIL: $*" >&2
  exit 1
}

# ---- preconditions --------------------------------------------------------------------------
for tool in docker kubectl node; do command -v "$tool" >/dev/null || fail "$tool is not on PATH"; done
timeout 10 docker version >/dev/null 2>&1 || fail "no Docker daemon answers (run hack/docker-up.sh)"
[ -S "$SOCKET" ] || fail "no Docker socket at $SOCKET (the image test mounts it into the operator)"
docker image inspect "$JOB_IMAGE" >/dev/null 2>&1 || fail "job image $JOB_IMAGE missing (run hack/docker-up.sh)"

work="$(mktemp -d /tmp/ofelia-image-test.XXXXXX)"
container="ofelia-image-test-$$"
job="image-test-$$"
kc=(kubectl --kubeconfig "$work/kube/config" --cache-dir "$work/kube-cache" --request-timeout 10s)
cleanup() {
  local rc=$?
  if [ "$rc" != 0 ] && docker inspect "$container" >/dev/null 2>&1; then
    echo "---- last operator log lines ----" >&2
    docker logs --tail 60 "$container" >&2 2>&1 || true
    echo "----" >&2
  fi
  if [ -f "$work/kube/config" ] && docker inspect -f '{{.State.Running}}' "$container" 2>/dev/null | grep -q true; then
    timeout 20 "${kc[@]}" delete sdj "$job" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  fi
  docker rm -f "$container" "$container-dev" >/dev/null 2>&1 || true
  # Job containers the operator started (it labels each with ofelia.dev/job=<job name>).
  for j in "$job" "$job-once"; do
    docker ps -aq --filter "label=ofelia.dev/job=$j" | xargs -r docker rm -f >/dev/null 2>&1 || true
  done
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

# ---- 1. base image ---------------------------------------------------------------------------
if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  log "base image $BASE_IMAGE missing: building the local stand-in"
  BASE_IMAGE="$BASE_IMAGE" timeout 900 bash hack/build-base-image.sh || fail "could not build base image $BASE_IMAGE"
fi

# ---- 2. operator image -----------------------------------------------------------------------
build=(docker build --force-rm)
if ! docker buildx version >/dev/null 2>&1; then
  export DOCKER_BUILDKIT=0 # no buildx plugin: the legacy builder handles this Dockerfile
fi
# A daemon started with --bridge=none has no "bridge" network, so RUN steps would have no network
# at all; npm ci needs the npm registry.
if ! docker network inspect bridge >/dev/null 2>&1; then build+=(--network host); fi
# CAs this machine added locally (Debian's mechanism) are trusted by npm ci inside the build too,
# for TLS-inspecting egress. OFELIA_BUILD_CA_FILE overrides; an empty value disables.
ca_files="${OFELIA_BUILD_CA_FILE-$(find /usr/local/share/ca-certificates -maxdepth 1 -name '*.crt' 2>/dev/null | sort | tr '\n' ' ')}"
if [ -n "${ca_files// /}" ]; then
  # shellcheck disable=SC2086
  build+=(--build-arg "EXTRA_CA_CERTS=$(cat $ca_files)")
fi
log "building $IMAGE from $BASE_IMAGE (DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-default})"
build_started=$(date +%s)
if ! timeout 900 "${build[@]}" --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$IMAGE" . >"$work/build.log" 2>&1; then
  tail -n 40 "$work/build.log" >&2
  if grep -qE 'SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT|UNABLE_TO_VERIFY_LEAF' "$work/build.log"; then
    fail "npm ci in the build does not trust this network's TLS: set OFELIA_BUILD_CA_FILE to the PEM file(s) of its CA"
  fi
  fail "docker build failed (last 40 lines above)"
fi
size_mb=$(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f", $1 / 1e6 }')
log "built $IMAGE in $(($(date +%s) - build_started)) s, ${size_mb} MB"

# ---- 3. static checks ------------------------------------------------------------------------
user="$(docker image inspect -f '{{.Config.User}}' "$IMAGE")"
case "${user%%:*}" in
'' | 0 | root) fail "image USER is '${user}': it must be a numeric non-root uid" ;;
*[!0-9]*) fail "image USER '${user}' is not numeric (Kubernetes runAsNonRoot cannot verify a name)" ;;
esac
health_script="$(docker image inspect -f '{{with .Config.Healthcheck}}{{index .Test 3}}{{end}}' "$IMAGE" 2>/dev/null || true)"
[ -n "$health_script" ] || fail "image has no HEALTHCHECK of the form CMD node -e SCRIPT"
entrypoint="$(docker image inspect -f '{{json .Config.Entrypoint}}' "$IMAGE")"
[ "$entrypoint" = '["node","--max-semi-space-size=4","/app/bin/ofelia-operator.js"]' ] || fail "unexpected ENTRYPOINT $entrypoint"
log "image runs as $user, has a HEALTHCHECK, entrypoint $entrypoint"
# The compiled build starts with the hardening the manifests use (read-only root, /tmp a tmpfs).
version="$(timeout 60 docker run --rm --network none --read-only --tmpfs /tmp:rw,mode=1777,size=64m \
  --cap-drop ALL --security-opt no-new-privileges "$IMAGE" version 2>&1)" ||
  fail "\`ofelia-operator version\` fails in the image: $version"
case "$version" in
*", compiled)"*) ;;
*) fail "the image does not run the compiled build (dist/): $version" ;;
esac
log "\`ofelia-operator version\` in the image: $version"

# ---- 3b. the dev target (Tiltfile): synced sources, and tsx watch restarting on a change --------
dev_image="${IMAGE}-dev"
timeout 300 "${build[@]}" --build-arg "BASE_IMAGE=$BASE_IMAGE" --target dev -t "$dev_image" . >"$work/build-dev.log" 2>&1 || {
  tail -n 40 "$work/build-dev.log" >&2
  fail "docker build --target dev failed"
}
dev_container="$container-dev"
docker run -d --name "$dev_container" --network none --cap-drop ALL --security-opt no-new-privileges \
  "$dev_image" version >/dev/null || fail "docker run of $dev_image failed"
wait_log() { # wait_log PATTERN COUNT: until the dev container's log has COUNT lines matching
  for _ in $(seq 1 30); do
    [ "$(docker logs "$dev_container" 2>&1 | grep -c "$1")" -ge "$2" ] && return 0
    sleep 1
  done
  docker logs "$dev_container" >&2 2>&1 || true
  return 1
}
wait_log '^ofelia-operator ' 1 || fail "the dev image does not run the sources under tsx watch"
# What Tilt's sync does: write into /app/src as the container's (non-root) user.
docker exec "$dev_container" sh -c 'echo "// synced" >>/app/src/main.ts' ||
  fail "the dev image's /app/src is not writable by its user (Tilt's live_update would fail)"
wait_log '^ofelia-operator ' 2 || fail "tsx watch did not restart the process after a source change"
docker rm -f "$dev_container" >/dev/null
log "dev target: sources writable by uid $(docker run --rm --network none --entrypoint id "$dev_image" -u), tsx watch restarts on change"

# ---- 3c. Docker access from the image: non-root through the socket's group -------------------
# run-once runs one job now through the operator's runner; with the hardening of step 4 and the
# socket's group it must succeed, and without the group it must be refused (EACCES): the group is
# what docs/deploy.md and the DaemonSet's supplementalGroups are about.
cat >"$work/run-once.yaml" <<EOF
apiVersion: ofelia.dev/v1alpha1
kind: ScheduledDockerJob
metadata:
  name: $job-once
  namespace: default
spec:
  schedule: "@manual"
  run:
    image: $JOB_IMAGE
    pullPolicy: Never
    network: none
    command: ["sh", "-c", "echo hello from run-once"]
EOF
hardened=(--network none --read-only --tmpfs "/tmp:rw,mode=1777,size=64m" --cap-drop ALL
  --security-opt no-new-privileges -v "$SOCKET:/var/run/docker.sock")
out="$(timeout 60 docker run --rm -i "${hardened[@]}" --group-add "$(stat -c %g "$SOCKET")" \
  "$IMAGE" run-once -f - <"$work/run-once.yaml" 2>&1)" || fail "run-once in the image failed: $out"
grep -q 'hello from run-once' <<<"$out" || fail "run-once output lacks the job's output: $out"
if out="$(timeout 60 docker run --rm -i "${hardened[@]}" "$IMAGE" run-once -f - <"$work/run-once.yaml" 2>&1)"; then
  fail "run-once without the socket's group succeeded: the image is not running as an unprivileged user"
fi
grep -q 'EACCES' <<<"$out" || fail "run-once without the socket's group failed for another reason: $out"
log "run-once in the image: Succeeded with the socket's group, EACCES without it"

# ---- 4. run it -------------------------------------------------------------------------------
mkdir -p "$work/data" "$work/kube"
chown 65532:65532 "$work/data" "$work/kube" 2>/dev/null || chmod 0777 "$work/data" "$work/kube"

read -r api_port http_port < <(node -e '
  const net = require("node:net");
  const free = () => new Promise((ok) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => ok(p)); }); });
  Promise.all([free(), free()]).then((p) => console.log(p.join(" ")));')
health_url="http://127.0.0.1:$http_port/healthz"

log "starting $container: embedded API on 127.0.0.1:$api_port, http on 127.0.0.1:$http_port"
docker run -d --name "$container" \
  --network host \
  --read-only --tmpfs /tmp:rw,mode=1777,size=64m \
  --cap-drop ALL --security-opt no-new-privileges \
  --group-add "$(stat -c %g "$SOCKET")" \
  -v "$SOCKET:/var/run/docker.sock" \
  -v "$work/data:/var/lib/ofelia" \
  -v "$work/kube:/kube" \
  -e "OFELIA_HEALTHCHECK_URL=$health_url" \
  "$IMAGE" run \
  --data-dir /var/lib/ofelia \
  --listen "127.0.0.1:$api_port" \
  --write-kubeconfig /kube/config \
  --http-listen "127.0.0.1:$http_port" \
  --docker-host unix:///var/run/docker.sock >/dev/null || fail "docker run of $IMAGE failed"

# Wait for the kubeconfig and a live /healthz (bounded), failing fast if the process exits.
deadline=$(($(date +%s) + 60))
until [ -s "$work/kube/config" ] && curl_ok="$(node -e '
    fetch(process.argv[1], { signal: AbortSignal.timeout(2000) }).then((r) => console.log(r.status), () => console.log(0))' \
  "$health_url")" && [ "$curl_ok" = 200 ]; do
  if [ "$(docker inspect -f '{{.State.Running}}' "$container" 2>/dev/null)" != true ]; then
    code="$(docker inspect -f '{{.State.ExitCode}}' "$container" 2>/dev/null || echo '?')"
    fail "the operator container exited (code $code) before serving: \`ofelia-operator run --data-dir --listen --write-kubeconfig --http-listen\` must start the embedded mode (its log follows)"
  fi
  [ "$(date +%s)" -lt "$deadline" ] ||
    fail "no kubeconfig at /kube/config and healthy $health_url within 60 s"
  sleep 1
done
log "operator up: kubeconfig written, /healthz 200"

# ---- 5. a job through the host's kubectl -----------------------------------------------------
cat >"$work/job.yaml" <<EOF
apiVersion: ofelia.dev/v1alpha1
kind: ScheduledDockerJob
metadata:
  name: $job
  namespace: default
spec:
  schedule: "@every 3s"
  concurrencyPolicy: Forbid
  run:
    image: $JOB_IMAGE
    pullPolicy: Never
    network: none
    command: ["sh", "-c", "echo hello from the image test"]
EOF
timeout 30 "${kc[@]}" apply -f "$work/job.yaml" >&2 || fail "kubectl apply through the operator's kubeconfig failed"

# `kubectl get sdj` prints a table; read the LAST RESULT column by its position in the header.
last_result() {
  "${kc[@]}" get sdj "$job" 2>/dev/null | awk '
    NR == 1 { at = index($0, "LAST RESULT"); next }
    NR == 2 && at > 0 { s = substr($0, at); sub(/[ \t].*/, "", s); print s }'
}
deadline=$(($(date +%s) + RUN_TIMEOUT))
result=""
while [ "$(date +%s)" -lt "$deadline" ]; do
  result="$(last_result || true)"
  [ "$result" = Succeeded ] && break
  [ "$(docker inspect -f '{{.State.Running}}' "$container" 2>/dev/null)" = true ] || fail "the operator container stopped while waiting for a run"
  sleep 2
done
if [ "$result" != Succeeded ]; then
  "${kc[@]}" get sdj "$job" -o wide >&2 || true
  "${kc[@]}" get sdj "$job" -o jsonpath='{.status}' >&2 || true
  echo >&2
  fail "no run with LAST RESULT Succeeded within $RUN_TIMEOUT s (last seen: '${result:-none}')"
fi
"${kc[@]}" get sdj "$job" >&2
log "a run of $job Succeeded"

# ---- 6. endpoints, healthcheck, identity -----------------------------------------------------
metrics="$(node -e '
  fetch(process.argv[1], { signal: AbortSignal.timeout(5000) })
    .then(async (r) => { if (!r.ok) throw new Error("HTTP " + r.status); process.stdout.write(await r.text()); })
    .catch((e) => { console.error(e.message); process.exit(1); })' "http://127.0.0.1:$http_port/metrics")" ||
  fail "GET /metrics failed"
grep -q '^# TYPE ' <<<"$metrics" || fail "/metrics is not in the Prometheus text format"
log "/metrics answers ($(grep -c '^# TYPE ' <<<"$metrics") metric families)"

docker exec "$container" node -e "$health_script" || fail "the image's HEALTHCHECK command fails inside the container"
log "HEALTHCHECK command passes inside the container"

uid="$(docker exec "$container" sh -c 'awk "/^Uid:/ { print \$2 }" /proc/1/status')"
if [ -z "$uid" ] || [ "$uid" = 0 ]; then fail "the operator process runs as uid '${uid}' (must be non-root)"; fi
[ "$uid" = "${user%%:*}" ] || fail "the operator process runs as uid $uid, not the image's USER $user"
log "operator process runs as uid $uid (non-root)"

log "PASS"
