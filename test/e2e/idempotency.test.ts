import type { ErrorBody, Order } from "@edge-saga/contracts";
import { describe, expect, it } from "vitest";
import { api } from "./support/api";
import { Scenario, uniqueId } from "./support/scenario";
import { waitForOrder, waitForOrderToExist } from "./support/wait";

describe("Idempotency-Key on POST /orders", () => {
  it("answers a sequential repeat with the stored answer, and another body with 422", async () => {
    const s = new Scenario("idem-seq");
    const { customer, sku } = await s.customerAndProduct({ priceCents: 1500, stock: 10 });
    const key = uniqueId("key");
    const input = { customerId: customer, items: [{ sku, quantity: 2 }] };

    const first = await s.placeOrder(input, { idempotencyKey: key });
    await waitForOrder(first.id, "CONFIRMED");

    const second = await api.placeOrder(input, { idempotencyKey: key });
    expect(second.status).toBe(202);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(second.headers.get("location")).toBe(`/orders/${first.id}`);
    // The stored answer, byte for byte: the order as it was when first accepted.
    expect(second.body).toEqual(first);

    const other = await api.placeOrder(
      { ...input, items: [{ sku, quantity: 3 }] },
      { idempotencyKey: key },
    );
    expect(other.status).toBe(422);
    expect((other.body as ErrorBody).error.code).toBe("IDEMPOTENCY_KEY_REUSED");

    expect(await api.listOrders(customer)).toHaveLength(1);
    await s.check();
    expect(await api.getProduct(sku)).toMatchObject({ available: 8, sold: 2 });
  });

  it("answers a repeat sent at once with the first answer, and another body with 422, before the order is consumed", async () => {
    const s = new Scenario("idem-early");
    const { customer, sku } = await s.customerAndProduct({ priceCents: 900, stock: 10 });
    const key = uniqueId("key");
    const input = { customerId: customer, items: [{ sku, quantity: 2 }] };

    // No wait between them: on self-read the order does not exist yet when they arrive.
    const first = await api.placeOrder(input, { idempotencyKey: key });
    const [again, other] = [
      await api.placeOrder(input, { idempotencyKey: key }),
      await api.placeOrder({ ...input, items: [{ sku, quantity: 5 }] }, { idempotencyKey: key }),
    ];
    expect(first.status).toBe(202);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(other.status).toBe(422);
    expect((other.body as ErrorBody).error.code).toBe("IDEMPOTENCY_KEY_REUSED");

    // The other body reached no service: one order, as first accepted, and stock moved for it.
    const order = await waitForOrder((first.body as Order).id, "CONFIRMED");
    expect(order.items).toEqual((first.body as Order).items);
    expect(await api.listOrders(customer)).toHaveLength(1);
    await s.check();
    expect(await api.getProduct(sku)).toMatchObject({ available: 8, sold: 2 });
  });

  it("creates one order when the same key arrives twice at once", async () => {
    const s = new Scenario("idem-race");
    const { customer, sku } = await s.customerAndProduct({ priceCents: 700, stock: 10 });
    const key = uniqueId("key");
    const input = { customerId: customer, items: [{ sku, quantity: 1 }] };

    const answers = await Promise.all([
      api.placeOrder(input, { idempotencyKey: key }),
      api.placeOrder(input, { idempotencyKey: key }),
    ]);
    for (const a of answers) expect([202, 409]).toContain(a.status);
    const accepted = answers.filter((a) => a.status === 202);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    // On every write path, self-read too: the key is claimed before anything is published.
    const fresh = accepted.filter((a) => a.headers.get("idempotent-replayed") !== "true");
    expect(fresh).toHaveLength(1);
    if (accepted.length === 2) {
      expect(accepted.map((a) => (a.body as Order).id)[0]).toBe((accepted[1]!.body as Order).id);
    } else {
      const conflict = answers.find((a) => a.status === 409)!;
      expect((conflict.body as ErrorBody).error.code).toMatch(/IN_FLIGHT|CONFLICT/);
    }

    await waitForOrderToExist((fresh[0]!.body as Order).id);
    const orders = await api.listOrders(customer);
    expect(orders).toHaveLength(1);
    expect(orders[0]!.id).toBe((fresh[0]!.body as Order).id);
    await waitForOrder(orders[0]!.id, "CONFIRMED");
    await s.check();
  });
});
