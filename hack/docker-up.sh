#!/usr/bin/env bash
# Make a Docker daemon and the local test image available, on a Debian machine, as root.
#
# Idempotent: if a daemon already answers on $DOCKER_HOST or /var/run/docker.sock it starts
# nothing. Otherwise it installs docker.io and busybox-static from Debian, starts dockerd with
# no default bridge and no firewall changes (test traffic stays on this machine), waits until it
# answers, and imports the test image local/busybox:test built from the static busybox.
#
# Stop the daemon it started with:  hack/docker-down.sh   (kills the PID in $STATE_DIR/dockerd.pid)
set -euo pipefail

STATE_DIR="${OFELIA_HACK_STATE:-/tmp/ofelia-hack}"
IMAGE="${OFELIA_TEST_IMAGE:-local/busybox:test}"
mkdir -p "$STATE_DIR"

log() { echo "docker-up: $*" >&2; }

daemon_answers() { timeout 5 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if ! command -v docker >/dev/null 2>&1 || ! command -v dockerd >/dev/null 2>&1 || [ ! -x /bin/busybox ]; then
  if ! daemon_answers; then
    log "installing docker.io and busybox-static from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq docker.io busybox-static >/dev/null
  fi
fi

if daemon_answers; then
  log "a daemon already answers; not starting one"
else
  log "starting dockerd (log: $STATE_DIR/dockerd.log)"
  nohup dockerd --host unix:///var/run/docker.sock --bridge=none --iptables=false --ip-masq=false \
    >"$STATE_DIR/dockerd.log" 2>&1 &
  echo $! >"$STATE_DIR/dockerd.pid"
  for _ in $(seq 1 60); do
    daemon_answers && break
    sleep 1
  done
  if ! daemon_answers; then
    log "dockerd did not answer within 60 s; last log lines:"
    tail -n 20 "$STATE_DIR/dockerd.log" >&2 || true
    exit 1
  fi
fi
log "daemon $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "image $IMAGE present"
else
  [ -x /bin/busybox ] || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq >/dev/null; apt-get install -y -qq busybox-static >/dev/null; }
  root="$(mktemp -d)"
  mkdir -p "$root/bin" "$root/tmp" "$root/etc"
  cp /bin/busybox "$root/bin/busybox"
  for c in sh echo sleep cat date ls env true false head tail yes dd wc seq printf kill trap id whoami pwd mkdir rm touch grep sed awk nc; do
    ln -s busybox "$root/bin/$c"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  chmod 1777 "$root/tmp"
  tar -C "$root" -c . | docker import -c 'ENV PATH=/bin' - "$IMAGE" >/dev/null
  rm -rf "$root"
  log "imported $IMAGE"
fi
