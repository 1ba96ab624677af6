/**
 * `npm run chaos -- --orders 5000 [--seed N] [--customers 20] [--concurrency 16] [--in-flight 100] [--shards N] [--url ...]`
 *
 * A seeded chaos run: starts its own local stack with fault injection enabled (or uses `--url`,
 * whose stack must run with FAULTS_ENABLED=true unless `--no-faults`), seeds limited stock and
 * customers with grants, sets a fault plan (every fault point active) on every service, runs the
 * orders from the customers concurrently with redemptions, grants and cancels mixed in (no more
 * than `--in-flight` orders undecided at once; 0: no limit), clears
 * the faults, drains (maintenance until every outbox is empty and every order final) and checks
 * the invariants. Prints the seed first; the same seed replays the same workload and the same
 * fault decisions per point. Exit 1 on any violation or lost event. `--shards N`: its own stack
 * runs N D1 databases per stateful service (default 1).
 */
import { copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type WritePath, writePathOf } from "@edge-saga/contracts";
import { formatReport } from "./lib/chaos/consistency";
import { CHAOS_PSP_TIMEOUT_MS, runChaos } from "./lib/chaos/run";
import { type LocalStack, startLocalStack } from "./lib/local-stack";
import { parseShards } from "./lib/shards";

const { values } = parseArgs({
  options: {
    orders: { type: "string", default: "5000" },
    seed: { type: "string" },
    customers: { type: "string", default: "20" },
    concurrency: { type: "string", default: "16" },
    url: { type: "string" },
    token: { type: "string" },
    "no-faults": { type: "boolean", default: false },
    "write-path": { type: "string" },
    "in-flight": { type: "string", default: "100" },
    shards: { type: "string" },
  },
});
const int = (name: string, text: string | undefined) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a non-negative integer`);
    process.exit(2);
  }
  return n;
};
const seed =
  values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : int("seed", values.seed);
const orders = int("orders", values.orders);
const customers = Math.max(1, int("customers", values.customers));
const concurrency = Math.max(1, int("concurrency", values.concurrency));
const inFlight = int("in-flight", values["in-flight"]);
const faults = !values["no-faults"];
let shards = 1;
try {
  shards = parseShards(values.shards);
  if (values.shards !== undefined && values.url)
    throw new Error(
      "--shards sets up the run's own stack: not with --url (start that stack with it)",
    );
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
let writePath: WritePath | undefined;
try {
  writePath = values["write-path"] === undefined ? undefined : writePathOf(values["write-path"]);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

console.log(
  `chaos seed: ${seed}  (replay: npm run chaos -- --seed ${seed} --orders ${orders} --customers ${customers} --concurrency ${concurrency} --in-flight ${inFlight}${writePath ? ` --write-path ${writePath}` : ""}${shards > 1 ? ` --shards ${shards}` : ""})`,
);

let stack: LocalStack | undefined;
let exitCode = 1;
try {
  let baseUrl = values.url?.replace(/\/$/, "");
  let adminToken = values.token ?? process.env.ADMIN_TOKEN ?? "dev-admin-token";
  if (!baseUrl) {
    process.stdout.write(
      `starting local stack (${faults ? "faults enabled" : "no faults"}, write path ${writePath ?? "outbox"}, ${shards} shard${shards === 1 ? "" : "s"})... `,
    );
    stack = await startLocalStack({
      faults,
      writePath,
      shards,
      killOnSignal: true,
      serviceVars: { PSP_TIMEOUT_MS: String(CHAOS_PSP_TIMEOUT_MS) },
    });
    baseUrl = stack.baseUrl;
    adminToken = stack.adminToken;
    console.log(baseUrl);
  }
  const result = await runChaos({
    baseUrl,
    adminToken,
    orders,
    seed,
    customers,
    concurrency,
    faults,
    writePath,
    inFlight,
    shards,
    log: (line) => console.log(line),
  });
  const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
  const byKind: Record<string, number> = {};
  for (const perService of Object.values(result.faultsInjected))
    for (const [kind, n] of Object.entries(perService)) byKind[kind] = (byKind[kind] ?? 0) + n;
  console.log(`\nseed:                 ${result.seed}`);
  console.log(
    `orders:               ${result.ordersPlaced} placed, by final status ${JSON.stringify(result.ordersByStatus)}`,
  );
  console.log(
    `cancels accepted:     ${result.cancelsAccepted}${result.cancelsTooEarly ? ` (${result.cancelsTooEarly} came before their order existed: 404)` : ""}; extra grants: ${result.grants}`,
  );
  console.log(
    `late cancels:         ${result.lateCancels.accepted} of ${result.lateCancels.asked} accepted (sagas already run: confirmed ones are refunded)`,
  );
  console.log(`faults injected:      ${sum(byKind)} ${JSON.stringify(byKind)}`);
  console.log(`  per service:        ${JSON.stringify(result.faultsInjected)}`);
  const duplicates = sum(
    Object.fromEntries(Object.entries(result.consumer).map(([s, c]) => [s, c.duplicatesAbsorbed])),
  );
  console.log(
    `duplicates absorbed:  ${duplicates} ${JSON.stringify(result.consumer)} (deliveries the inbox dropped as already applied; retries per service)`,
  );
  const resent = sum(
    Object.fromEntries(Object.entries(result.receipts).map(([s, r]) => [s, r.resent])),
  );
  console.log(
    `re-sent for receipts: ${resent} ${JSON.stringify(result.receipts)} (events a subscriber had not acknowledged in time, sent again; still unacknowledged at the end)`,
  );
  console.log(
    `events:               ${JSON.stringify(result.deliveries)} (outbox rows published / inbox rows applied once)`,
  );
  console.log(
    `dead letters:         ${JSON.stringify(result.deadLetters)} open; resolved on arrival: ${JSON.stringify(result.deadLettersResolvedOnArrival)}`,
  );
  console.log(
    `time:                 workload ${(result.workloadMs / 1000).toFixed(1)} s, drain ${(result.drainMs / 1000).toFixed(1)} s${result.drained ? "" : " (DID NOT DRAIN)"}`,
  );
  console.log(
    `order lists in KV:    ${result.orderLists.customers} customers, ${result.orderLists.differing.length} differ from the view's D1 rows`,
  );
  console.log(`\n${formatReport(result.report)}`);
  if (result.failures.length) console.log(`\nFAILED:\n- ${result.failures.join("\n- ")}`);
  else console.log("\nPASSED: no violation, no lost event");
  exitCode = result.failures.length ? 1 : 0;
} catch (error) {
  console.error(`chaos run failed: ${(error as Error).stack ?? error}`);
  exitCode = 2;
} finally {
  // A failed run's wrangler output (every Worker's log lines) outlives the stack's temp dir.
  if (stack && exitCode !== 0) {
    const kept = join(tmpdir(), `edge-saga-chaos-${seed}-${Date.now()}.log`);
    copyFileSync(stack.logFile, kept);
    console.error(`wrangler output of this run: ${kept}`);
  }
  await stack?.stop();
}
process.exit(exitCode);
