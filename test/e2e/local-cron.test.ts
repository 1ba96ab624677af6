import type { ErrorBody, Order } from "@edge-saga/contracts";
import { testLogLevel } from "@edge-saga/kit-testing/log-level";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../scripts/lib/api-client";
import { type LocalStack, startLocalStack } from "../../scripts/lib/local-stack";
import { poll } from "./support/poll";
import { e2eShards } from "./support/shards";

/**
 * `wrangler dev` runs no cron, so the local stack plays production's `* * * * *` itself
 * (`GET /__scheduled`, which runs every service's maintenance). Here every poke of the order
 * service's relay after a commit is lost (`relay.poke-lost`, as if the process died right
 * after the commit): no alarm is armed, and only the cron's maintenance poke publishes
 * `OrderPlaced`. Without the local cron the order would stay PENDING for good.
 */
let stack: LocalStack;
let api: ApiClient;
beforeAll(async () => {
  // A short period so the test need not wait a minute; npm run dev uses 60 s.
  stack = await startLocalStack({
    faults: true,
    shards: e2eShards(),
    cronEveryMs: 2_000,
    logLevel: testLogLevel(),
  });
  api = new ApiClient(stack.baseUrl, stack.adminToken);
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});

describe("the local cron", () => {
  it("publishes what a lost poke left behind: the order completes", async () => {
    const sku = `cron-${Date.now().toString(36)}`;
    await api.putProduct(sku, { name: "Cron", priceCents: 1_500, stock: 5 });
    await api.expect(200, "PUT", "/admin/order/faults", {
      admin: true,
      body: { seed: 1, probabilities: { "relay.poke-lost": 1 } },
    });
    // The order service learns the product by event: retry while it does not know it yet.
    const placed = await poll(
      async () => {
        const answer = await api.placeOrder({
          customerId: `cron-c-${sku}`,
          items: [{ sku, quantity: 1 }],
        });
        if (answer.status === 202) return answer.body as Order;
        expect((answer.body as ErrorBody).error?.code).toBe("UNKNOWN_PRODUCT");
        return undefined;
      },
      { what: "the order accepted", timeoutMs: 30_000, intervalMs: 200 },
    );
    const settled = await poll(
      async () => {
        const order = await api.getOrder(placed.id);
        return order.status === "PENDING" ? undefined : order;
      },
      { what: `order ${placed.id} to leave PENDING`, timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(settled.status).toBe("CONFIRMED");
    const faults = await api.expect<{ injected: Record<string, number> }>(
      200,
      "GET",
      "/admin/order/faults",
      { admin: true },
    );
    // The poke after the order's commit really was lost.
    expect(faults.body.injected["relay.poke-lost"]).toBeGreaterThan(0);
  });
});
