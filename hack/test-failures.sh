#!/usr/bin/env bash
# Prints the failed tests of a saved `npm test` log (node:test's TAP, its reporter when stdout is
# not a terminal on Node 20-22): each `not ok` line with the details that follow it (error,
# location, stack), so a CI log whose head was cut still names its failures at its end. Prints
# nothing when every test passed. (Node 23+ reports with `spec` by default, which lists the
# failing tests at its end by itself.)
set -euo pipefail
log=${1:?usage: hack/test-failures.sh TEST_LOG}
awk '
  /^ *not ok / { printing = 1; shown = 0; print "---- " $0; next }
  printing && /^ *(ok|not ok) / { printing = 0 }
  printing && /^ *# Subtest: / { printing = 0 }
  printing { if (shown++ < 60) print }
' "$log"
