import type { Order } from "@edge-saga/contracts";
import { SLOTS, shardOf, shardOfId, slotOf, slotOfId } from "@edge-saga/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { postOrderOnWritePath, seedProducts } from "./helpers";

/** POST /orders as `customerId` on write path `path`; the accepted order. */
async function place(path: string, customerId: string, key?: string): Promise<Order> {
  const body = { items: [{ sku: "id-lamp", quantity: 1 }] };
  const headers: Record<string, string> = key ? { "idempotency-key": key } : {};
  const response = await postOrderOnWritePath(path, customerId, body, headers);
  expect(response.status).toBe(202);
  return response.json<Order>();
}

beforeAll(async () => {
  await seedProducts([{ sku: "id-lamp", priceCents: 500 }]);
});

describe("order ids name their customer's shard", () => {
  describe.each(["outbox", "cdc", "self-read"])("WRITE_PATH=%s", (path) => {
    it.each([undefined, "key-1"])("with Idempotency-Key %s", async (key) => {
      for (const customerId of ["ada", "bo", `zed-${path}`]) {
        const order = await place(path, customerId, key);
        expect(slotOfId(order.id)).toBe(slotOf(customerId));
        // Whatever the shard count, the id alone finds the customer's shard.
        for (const shards of [1, 2, 3, 4, 16, SLOTS])
          expect(shardOfId(order.id, shards)).toBe(shardOf(customerId, shards));
      }
    });
  });

  it("a key's repeat is the same order, its id as named the first time", async () => {
    const first = await place("self-read", "repeat", "same-key");
    const again = await place("self-read", "repeat", "same-key");
    expect(again.id).toBe(first.id);
    expect(slotOfId(again.id)).toBe(slotOf("repeat"));
  });
});
