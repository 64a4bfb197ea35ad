#!/usr/bin/env bash
# Installs the independently written, older clients the e2e tests drive against the embedded API
# server (test/helpers/old-clients.ts): Debian's python3-kubernetes (the official Python client,
# for /usr/bin/python3) and kubectl 1.20 from Debian's kubernetes-client package, extracted with
# `dpkg -x` into $OFELIA_OLD_CLIENTS_DIR — never installed on PATH, so the kubectl there (1.32)
# stays the one every other test uses. Idempotent; needs root for apt-get.
set -euo pipefail

dir=${OFELIA_OLD_CLIENTS_DIR:-/var/cache/ofelia-test/old-clients}
kubectl120="$dir/kubectl-1.20/usr/bin/kubectl"
updated=0
apt_update() { if [ "$updated" = 0 ]; then apt-get update -qq >/dev/null; updated=1; fi; }

if ! /usr/bin/python3 -c 'import kubernetes' 2>/dev/null; then
  apt_update
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-kubernetes >/dev/null
fi

if [ ! -x "$kubectl120" ]; then
  apt_update
  tmp=$(mktemp -d)
  chmod 755 "$tmp" # apt-get download runs as _apt
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && apt-get download -qq kubernetes-client >/dev/null)
  mkdir -p "$dir/kubectl-1.20"
  dpkg -x "$tmp"/kubernetes-client_*.deb "$dir/kubectl-1.20"
fi

/usr/bin/python3 -c 'import kubernetes; print("python3-kubernetes", kubernetes.__version__)'
"$kubectl120" version --client --short 2>/dev/null || "$kubectl120" version --client
