#!/usr/bin/env bash
# Start a real image registry (Debian's docker-registry, distribution 2.8) on 127.0.0.1 with
# htpasswd auth and a throw-away storage dir, and push the test image to it. For pull tests.
#
#   hack/registry-up.sh STATE_DIR PORT USER PASSWORD
#
# Prints the pushed image reference (127.0.0.1:PORT/ofelia/busybox:test) on stdout as its last line.
# Installs docker-registry and apache2-utils (htpasswd) from Debian when missing (CI on a fresh
# machine). Stop it with: kill "$(cat STATE_DIR/registry.pid)". dockerd talks plain HTTP to
# 127.0.0.0/8 registries without configuration, so no TLS is needed.
set -euo pipefail

STATE_DIR="${1:?state dir}"
PORT="${2:?port}"
REG_USER="${3:?user}"
REG_PASS="${4:?password}"
IMAGE="${OFELIA_TEST_IMAGE:-local/busybox:test}"
TARGET="127.0.0.1:${PORT}/ofelia/busybox:test"

log() { echo "registry-up: $*" >&2; }

if ! command -v docker-registry >/dev/null 2>&1 || ! command -v htpasswd >/dev/null 2>&1; then
  log "installing docker-registry and apache2-utils from Debian"
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get -o DPkg::Lock::Timeout=240 update -qq >/dev/null || true
  timeout 300 apt-get -o DPkg::Lock::Timeout=240 install -y -qq docker-registry apache2-utils >/dev/null
fi

mkdir -p "$STATE_DIR/storage" "$STATE_DIR/docker-config"
htpasswd -Bbc "$STATE_DIR/htpasswd" "$REG_USER" "$REG_PASS" >/dev/null 2>&1
cat >"$STATE_DIR/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE_DIR/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$PORT
auth:
  htpasswd:
    realm: ofelia-test
    path: $STATE_DIR/htpasswd
YAML

docker-registry serve "$STATE_DIR/config.yml" >"$STATE_DIR/registry.log" 2>&1 &
echo $! >"$STATE_DIR/registry.pid"
for _ in $(seq 1 50); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
  sleep 0.2
done
if ! (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  log "registry did not listen on 127.0.0.1:$PORT; log:"
  tail -n 20 "$STATE_DIR/registry.log" >&2 || true
  exit 1
fi

# A private client config: never touch the user's ~/.docker/config.json.
export DOCKER_CONFIG="$STATE_DIR/docker-config"
echo "$REG_PASS" | timeout 60 docker login -u "$REG_USER" --password-stdin "127.0.0.1:$PORT" >/dev/null
docker tag "$IMAGE" "$TARGET"
timeout 120 docker push "$TARGET" >/dev/null
docker rmi "$TARGET" >/dev/null
log "pushed $TARGET"
echo "$TARGET"
