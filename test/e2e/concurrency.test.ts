import type { Order } from "@edge-saga/contracts";
import { describe, expect, it } from "vitest";
import { api } from "./support/api";
import { Scenario } from "./support/scenario";
import { poll } from "./support/wait";

describe("concurrent customers", () => {
  it("20 customers racing for the last 5 units: exactly 5 win, nothing oversold", async () => {
    const s = new Scenario("race");
    const sku = await s.product({ priceCents: 4999, stock: 5 });
    const customers = Array.from({ length: 20 }, (_, i) => s.customer(`r${i}`));
    await s.settle();

    const placed = await Promise.all(
      customers.map((customerId) => s.placeOrder({ customerId, items: [{ sku, quantity: 1 }] })),
    );
    const settled = await Promise.all(
      placed.map((order) =>
        poll(
          async () => {
            const now = await api.getOrder(order.id);
            return now.status === "PENDING" ? undefined : now;
          },
          { what: `order ${order.id} to leave PENDING` },
        ),
      ),
    );

    const by = (status: Order["status"]) => settled.filter((o) => o.status === status);
    expect(by("CONFIRMED")).toHaveLength(5);
    expect(by("REJECTED")).toHaveLength(15);
    expect(by("REJECTED").every((o) => o.rejectionReason === "OUT_OF_STOCK")).toBe(true);

    await s.check();
    expect(await api.getProduct(sku)).toMatchObject({ available: 0, reserved: 0, sold: 5 });
  });
});
