import { readAllPages } from "@edge-saga/kit-testing";
import { describe, expect, it } from "vitest";
import { inbox, orderCancelled, orderPlaced, request, seedProduct, uniqueId } from "./helpers";

const all = <T>(path: string, key: string, limit: number) =>
  readAllPages<T>(request, path, key, limit);

describe("inventory snapshot routes (consistency checker)", () => {
  it("list every product with received, and every reservation with its lines, page by page", async () => {
    const a = uniqueId("snap-a");
    const b = uniqueId("snap-b");
    await seedProduct(a, 10);
    await seedProduct(b, 3);
    const held = uniqueId("order");
    const cancelled = uniqueId("order");
    await inbox(
      orderPlaced(held, [
        { sku: a, quantity: 2 },
        { sku: b, quantity: 1 },
      ]),
    );
    await inbox(orderPlaced(cancelled, [{ sku: a, quantity: 1 }]));
    await inbox(orderCancelled(cancelled, "PENDING"));

    const products = await all<{ sku: string }>("/admin/snapshot/products", "products", 1);
    expect(products.find((p) => p.sku === a)).toEqual({
      sku: a,
      available: 8,
      reserved: 2,
      sold: 0,
      received: 10,
    });
    expect(products.find((p) => p.sku === b)).toEqual({
      sku: b,
      available: 2,
      reserved: 1,
      sold: 0,
      received: 3,
    });

    const reservations = await all<{ orderId: string }>(
      "/admin/snapshot/reservations",
      "reservations",
      1,
    );
    const ids = reservations.map((r) => r.orderId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(reservations.find((r) => r.orderId === held)).toEqual({
      orderId: held,
      status: "RESERVED",
      lines: [
        { sku: a, quantity: 2 },
        { sku: b, quantity: 1 },
      ].sort((x, y) => (x.sku < y.sku ? -1 : 1)),
    });
    expect(reservations.find((r) => r.orderId === cancelled)).toMatchObject({
      orderId: cancelled,
      status: "CANCELLED",
    });
  });
});
