#!/usr/bin/env bash
# Several Docker daemons side by side on one machine, one per simulated node, for the scale-out
# end-to-end test (test/e2e/cluster-spread.test.ts). As root.
#
#   hack/dockerd-node.sh up   DIR N   start daemons 1..N, each with its own socket
#                                     unix://DIR/node-I/docker.sock, --data-root, --exec-root and
#                                     --pidfile under DIR/node-I; no bridge, no iptables; import
#                                     the test image (from the main daemon) into each
#   hack/dockerd-node.sh down DIR N   stop them by their pid files, remove DIR/node-*
#
# Idempotent per node: a daemon already answering on its socket is kept. Exits non-zero with the
# last log lines when a daemon does not answer within 60 s.
set -euo pipefail

cmd="${1:?usage: dockerd-node.sh up|down DIR N}"
dir="${2:?DIR}"
count="${3:?N}"
IMAGE="${OFELIA_TEST_IMAGE:-local/busybox:test}"

log() { echo "dockerd-node: $*" >&2; }
sock() { echo "$dir/node-$1/docker.sock"; }
answers() { timeout 5 docker -H "unix://$(sock "$1")" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

case "$cmd" in
  up)
    mkdir -p "$dir"
    for i in $(seq 1 "$count"); do
      node="$dir/node-$i"
      mkdir -p "$node/data" "$node/exec"
      if answers "$i"; then log "node $i answers already"; continue; fi
      # Short exec-root paths: containerd's sockets live under it (unix paths < 108 bytes).
      nohup dockerd --host "unix://$(sock "$i")" --data-root "$node/data" --exec-root "$node/exec" \
        --pidfile "$node/dockerd.pid" --bridge=none --iptables=false --ip-masq=false \
        >"$node/dockerd.log" 2>&1 &
    done
    for i in $(seq 1 "$count"); do
      for _ in $(seq 1 60); do answers "$i" && break; sleep 1; done
      if ! answers "$i"; then
        log "node $i did not answer within 60 s:"
        tail -n 20 "$dir/node-$i/dockerd.log" >&2 || true
        exit 1
      fi
      if ! docker -H "unix://$(sock "$i")" image inspect "$IMAGE" >/dev/null 2>&1; then
        docker save "$IMAGE" | docker -H "unix://$(sock "$i")" load >/dev/null
      fi
      log "node $i: $(sock "$i")"
    done
    ;;
  down)
    for i in $(seq 1 "$count"); do
      pidfile="$dir/node-$i/dockerd.pid"
      [ -f "$pidfile" ] || continue
      pid="$(cat "$pidfile")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      kill -9 "$pid" 2>/dev/null || true
    done
    for i in $(seq 1 "$count"); do
      # The daemon is gone: its mounts under data-root must not keep rm from working.
      grep -F "$dir/node-$i/" /proc/mounts | cut -d' ' -f2 | sort -r | xargs -r umount -l 2>/dev/null || true
      rm -rf "$dir/node-$i"
    done
    ;;
  *)
    echo "usage: dockerd-node.sh up|down DIR N" >&2
    exit 2
    ;;
esac
