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

# A failing step does not stop the next: one failure must not hide another's result.
# The lanes are balanced by measure (a fresh-clone CI run): the unit tests and the quick lints;
# the shared stack's e2e files, the saga tests on the other write paths, then tsc over every
# project (its CPU goes where the e2e files mostly wait); the files that start their own stacks,
# then the bundle check.
lane unit+lint "npm run test:unit; s=\$?; npm run lint && npm run lint:layers && exit \$s" &
a=$!
lane e2e+types "vitest run --project e2e; s=\$?; vitest run --project e2e-cdc --project e2e-self-read || s=1; npm run typecheck && exit \$s" &
b=$!
lane e2e-own-stacks+bundles "vitest run --project e2e-own-stacks --project e2e-new-service; s=\$?; npm run check:bundles && exit \$s" &
c=$!
status=0
for pid in "$a" "$b" "$c"; do wait "$pid" || status=1; done
exit "$status"
