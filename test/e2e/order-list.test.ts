import { expectStatus } from "@edge-saga/contracts/client";
import { describe, expect, it } from "vitest";
import { api } from "./support/api";
import { Scenario, uniqueId } from "./support/scenario";
import { poll } from "./support/wait";

describe("GET /orders", () => {
  it("lists a customer's orders newest first, page by page, with and without Idempotency-Key", async () => {
    const s = new Scenario("list");
    const { customer, sku } = await s.customerAndProduct({ priceCents: 300, stock: 50 });
    const placed: string[] = [];
    for (let i = 0; i < 5; i++) {
      // Keyed and unkeyed alternate: on self-read a keyed order's id was once derived from its key.
      const key = i % 2 === 0 ? { idempotencyKey: uniqueId("key") } : {};
      placed.push(
        (await s.placeOrder({ customerId: customer, items: [{ sku, quantity: 1 }] }, key)).id,
      );
    }
    const client = api.as(customer);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const query = { customerId: customer, limit: "2", cursor };
      const page = (await expectStatus(client.orders.$get({ query }), 200)).body;
      seen.push(...page.orders.map((o) => o.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const newestFirst = [...placed].reverse();
    expect(seen).toEqual(newestFirst);

    // The view's list of her orders (GET /customers/{id}/orders) too, once it caught up.
    const view = await poll(
      async () => {
        const page = await api.customerOrders(customer);
        return page.orders.length === placed.length ? page : undefined;
      },
      { what: "the view to list her orders" },
    );
    expect(view.orders.map((o) => o.id)).toEqual(newestFirst);
  });
});
