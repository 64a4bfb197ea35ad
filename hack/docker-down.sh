#!/usr/bin/env bash
# Stop the Docker daemon that hack/docker-up.sh started (and only that one).
set -euo pipefail
STATE_DIR="${OFELIA_HACK_STATE:-/tmp/ofelia-hack}"
if [ -f "$STATE_DIR/dockerd.pid" ]; then
  pid="$(cat "$STATE_DIR/dockerd.pid")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  rm -f "$STATE_DIR/dockerd.pid"
  echo "docker-down: stopped dockerd ($pid)" >&2
else
  echo "docker-down: no dockerd started by hack/docker-up.sh" >&2
fi
