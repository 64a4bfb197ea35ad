#!/usr/bin/env bash
# Build a local stand-in for the Dockerfile's base image (node:20-bookworm-slim) when no image
# registry is reachable.
#
# What it makes: a Debian bookworm root filesystem (debootstrap --variant=minbase, from the
# Debian mirror apt already uses) with this machine's Node.js and npm copied into /usr/local, the
# same layout as the official image (/usr/local/bin/node, /usr/local/lib/node_modules/npm), then
# `docker import`ed under $BASE_IMAGE.
#
# Idempotent: if $BASE_IMAGE already exists it does nothing (pass --force to rebuild).
# Cached: the debootstrapped root filesystem is kept as a tarball in $CACHE_DIR, so a rebuild
# (or a new daemon) costs only the import, not another debootstrap.
#
# Environment:
#   BASE_IMAGE      image name to create            (default node:20-bookworm-slim)
#   CACHE_DIR       where the rootfs tarball lives  (default ${XDG_CACHE_HOME:-~/.cache}/ofelia)
#   DEBIAN_MIRROR   mirror for debootstrap          (default: the bookworm URI in apt's sources)
#   NODE_MAJOR      Node.js major the image claims  (default 20; the machine's node must match)
# Needs root (debootstrap, chroot) and a Docker daemon.
set -euo pipefail

BASE_IMAGE="${BASE_IMAGE:-node:20-bookworm-slim}"
CACHE_DIR="${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ofelia}"
NODE_MAJOR="${NODE_MAJOR:-20}"
SUITE=bookworm
ROOTFS_TAR="$CACHE_DIR/debian-$SUITE-minbase.tar"
FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

log() { echo "build-base-image: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

command -v docker >/dev/null || die "no docker client on PATH (run hack/docker-up.sh)"
timeout 10 docker version >/dev/null 2>&1 || die "no Docker daemon answers (run hack/docker-up.sh)"

if [ "$FORCE" = 0 ] && docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  log "image $BASE_IMAGE present; nothing to do (--force rebuilds)"
  exit 0
fi
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap and chroot)"

# ---- the machine's Node.js and npm ---------------------------------------------------------
NODE_BIN="$(readlink -f "$(command -v node)")" || die "no node on PATH"
NODE_VERSION="$("$NODE_BIN" -p 'process.versions.node')"
[ "${NODE_VERSION%%.*}" = "$NODE_MAJOR" ] ||
  die "this machine's node is $NODE_VERSION but $BASE_IMAGE claims Node.js $NODE_MAJOR"
NODE_PREFIX="$(dirname "$(dirname "$NODE_BIN")")"
NPM_DIR="$NODE_PREFIX/lib/node_modules/npm"
[ -f "$NPM_DIR/bin/npm-cli.js" ] || NPM_DIR="$(npm root -g 2>/dev/null)/npm"
[ -f "$NPM_DIR/bin/npm-cli.js" ] || die "cannot find npm next to $NODE_BIN (looked in $NODE_PREFIX/lib/node_modules/npm)"
log "node $NODE_VERSION from $NODE_BIN, npm $("$NODE_BIN" "$NPM_DIR/bin/npm-cli.js" --version) from $NPM_DIR"

# ---- the Debian root filesystem (cached) ---------------------------------------------------
mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
  local uri
  # deb822 sources: the URIs line of the stanza whose Suites include the plain suite name.
  uri="$(awk -v suite="$SUITE" '
      /^URIs:/ { uris = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) found = uris }
      /^$/ { uris = "" }
      END { print found }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)"
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    # one-line sources: "deb [opts] URI bookworm main"
    uri="$(sed -E 's/\[[^]]*\]//' /etc/apt/sources.list |
      awk -v suite="$SUITE" '$1 == "deb" && $3 == suite { print $2; exit }')"
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

work="$(mktemp -d /tmp/ofelia-base.XXXXXX)"
trap 'rm -rf "$work"' EXIT

if [ ! -s "$ROOTFS_TAR" ]; then
  if ! command -v debootstrap >/dev/null; then
    log "installing debootstrap from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq debootstrap >/dev/null
  fi
  url="$(mirror)"
  log "debootstrap --variant=minbase $SUITE from $url (a few minutes, once)"
  started=$(date +%s)
  debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$work/rootfs" "$url" \
    >"$work/debootstrap.log" 2>&1 || {
    tail -n 30 "$work/debootstrap.log" >&2
    die "debootstrap failed"
  }
  # What the slim image also leaves out: package caches, lists, docs.
  rm -rf "$work/rootfs"/var/cache/apt/archives/*.deb "$work/rootfs"/var/lib/apt/lists/* \
    "$work/rootfs"/usr/share/doc/* "$work/rootfs"/usr/share/man/* "$work/rootfs"/usr/share/locale/*
  mkdir -p "$CACHE_DIR"
  tar -C "$work/rootfs" --numeric-owner -cf "$ROOTFS_TAR.tmp" .
  mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  rm -rf "$work/rootfs"
  log "cached $ROOTFS_TAR ($(du -h "$ROOTFS_TAR" | cut -f1), $(($(date +%s) - started)) s)"
else
  log "using cached $ROOTFS_TAR"
fi

# ---- assemble: rootfs + node + npm ---------------------------------------------------------
root="$work/root"
mkdir -p "$root"
tar -C "$root" --numeric-owner -xf "$ROOTFS_TAR"

install -D -m 0755 "$NODE_BIN" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$NPM_DIR" "$root/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"

# Shared libraries node links against that the minimal rootfs lacks (libstdc++ and libgcc_s are
# normally there already, as apt needs them).
ldd "$NODE_BIN" | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }' | while read -r lib; do
  if [ ! -e "$root$lib" ]; then
    log "copying $lib (not in the rootfs)"
    install -D -m 0644 "$(readlink -f "$lib")" "$root$lib"
  fi
done

# Prove it runs there before importing: node, its libraries, and npm.
chroot "$root" /usr/local/bin/node -e 'require("node:crypto").randomUUID()' ||
  die "node does not run inside the assembled rootfs"
npm_in_root="$(chroot "$root" /usr/local/bin/node /usr/local/lib/node_modules/npm/bin/npm-cli.js --version)" ||
  die "npm does not run inside the assembled rootfs"

log "importing $BASE_IMAGE (node $NODE_VERSION, npm $npm_in_root)"
tar -C "$root" --numeric-owner -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c "ENV NODE_VERSION=$NODE_VERSION" \
  -c 'CMD ["node"]' \
  -m "local stand-in for node:$NODE_MAJOR-bookworm-slim (hack/build-base-image.sh)" \
  - "$BASE_IMAGE" >/dev/null
docker run --rm --network none "$BASE_IMAGE" node -e 'process.exit(process.versions.node === process.argv[1] ? 0 : 1)' \
  "$NODE_VERSION" || die "the imported image does not run node $NODE_VERSION"
log "built $BASE_IMAGE ($(docker image inspect -f '{{.Size}}' "$BASE_IMAGE" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
