#!/usr/bin/env bash
# Installs Debian's chromium for the dashboard's browser tests and benchmark (driven by
# playwright-core through its executablePath; no browser download). Run as root; a no-op when
# /usr/bin/chromium is already there. The tests start it headless with --no-sandbox.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium
/usr/bin/chromium --version
