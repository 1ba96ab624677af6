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
# The lanes are balanced by measure (fresh-clone CI at 7cca05d: unit tests + lints + tsgo +
# two own-stack files 672 s, shared-stack e2e + write paths + generator 675 s with the bundle
# check, own-stack files 495 s without it): the unit tests, the lints, tsc, then two own-stack
# files (trace, local cron); the shared stack's files, the saga tests on the other write paths
# and the new-service generator; the dev-orphans file, then chaos and the SIGKILLs, which so run
# once the unit tests have left the CPU (chaos under the unit tests' load drains slowest), then
# the bundle check (about a minute).
lane unit+lint+types "npm run test:unit; s=\$?; npm run lint && npm run lint:layers && npm run typecheck || s=1; vitest run --project e2e-own-stacks trace local-cron && exit \$s" &
a=$!
# The migrated state every e2e stack copies, built once while the unit tests start: else each
# e2e lane's first stack builds it at the same moment. A failure leaves each lane to build its own.
npx tsx test/migrated-state.ts || echo "migrated state not built ahead: each lane builds its own"

lane e2e "vitest run --project e2e; s=\$?; vitest run --project e2e-cdc --project e2e-self-read --project e2e-dead-letters --project e2e-new-service && exit \$s" &
b=$!
lane e2e-own-stacks "vitest run --project e2e-own-stacks dev-orphans; s=\$?; vitest run --project e2e-own-stacks chaos self-healing || s=1; npm run check:bundles && exit \$s" &
c=$!
status=0
for pid in "$a" "$b" "$c"; do wait "$pid" || status=1; done
exit "$status"
