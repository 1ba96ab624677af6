#!/usr/bin/env bash
# `npm test` after check:install: three lanes at once, each serial inside. The e2e lanes spend
# most of their time waiting on the system under test (stack starts, receipt timeouts, saga
# deadlines), so the static checks and the unit tests use the CPU meanwhile. Every line is
# prefixed with its lane; each lane ends with its time; exits 1 when any lane failed.
set -uo pipefail
cd "$(dirname "$0")/.."

lane() {
  local name=$1 command=$2 start=$SECONDS
  if bash -c "$command" 2>&1 | sed -u "s/^/[$name] /"; then
    echo "[$name] passed in $((SECONDS - start)) s"
  else
    echo "[$name] FAILED after $((SECONDS - start)) s"
    return 1
  fi
}

# Both always run: a lint error must not hide the unit tests' results.
lane checks+unit "npm run test:unit; s=\$?; npm run test:static && exit \$s" &
a=$!
# The shared stack's files, then the saga tests again on the other write paths.
lane e2e "vitest run --project e2e; s=\$?; vitest run --project e2e-cdc --project e2e-self-read && exit \$s" &
b=$!
lane e2e-own-stacks "vitest run --project e2e-own-stacks --project e2e-new-service" &
c=$!
status=0
for pid in "$a" "$b" "$c"; do wait "$pid" || status=1; done
exit "$status"
