import { catalog } from "@edge-saga/contracts";
import { describe, expect, it } from "vitest";
import { handlers } from "../src/handlers";
import {
  expectConsistent,
  inbox,
  orderCancelled,
  orderConfirmed,
  orderPlaced,
  orderRejected,
  published,
  reservation,
  seedProduct,
  stock,
  uniqueId,
} from "./helpers";

/** Two fresh products and a fresh order id per test: every test in this file shares storage. */
async function setup(units = 10) {
  const a = uniqueId("sku-a");
  const b = uniqueId("sku-b");
  await seedProduct(a, units);
  await seedProduct(b, units);
  return { a, b, orderId: uniqueId("order") };
}

const types = async (orderId: string) => (await published(orderId)).map((e) => e.type);

describe("inventory inbox", () => {
  it("has a handler for exactly the events the catalog routes to inventory", () => {
    expect(Object.keys(handlers).sort()).toEqual(catalog.consumedBy("inventory").sort());
  });

  describe("OrderPlaced", () => {
    it("reserves every line and publishes StockReserved", async () => {
      const { a, b, orderId } = await setup();
      const placed = orderPlaced(orderId, [
        { sku: a, quantity: 2 },
        { sku: b, quantity: 3 },
      ]);
      await inbox(placed);

      expect(await stock(a)).toMatchObject({ available: 8, reserved: 2, sold: 0 });
      expect(await stock(b)).toMatchObject({ available: 7, reserved: 3, sold: 0 });
      expect(await reservation(orderId)).toEqual({ status: "RESERVED", reason: null });
      expect(await published(orderId)).toMatchObject([
        {
          type: "StockReserved",
          source: "inventory",
          aggregateType: "reservation",
          aggregateId: orderId,
          correlationId: orderId,
          causationId: placed.id,
          payload: {
            orderId,
            items: [
              { sku: a, quantity: 2 },
              { sku: b, quantity: 3 },
            ],
          },
        },
      ]);
      await expectConsistent();
    });

    it("reserves nothing when one line is short: no partial reservation", async () => {
      const { a, b, orderId } = await setup(5);
      const placed = orderPlaced(orderId, [
        { sku: a, quantity: 5 },
        { sku: b, quantity: 6 },
      ]);
      await inbox(placed);

      expect(await stock(a)).toMatchObject({ available: 5, reserved: 0 });
      expect(await stock(b)).toMatchObject({ available: 5, reserved: 0 });
      expect(await reservation(orderId)).toEqual({ status: "FAILED", reason: "OUT_OF_STOCK" });
      expect(await published(orderId)).toMatchObject([
        {
          type: "StockReservationFailed",
          correlationId: orderId,
          causationId: placed.id,
          payload: { orderId, reason: "OUT_OF_STOCK", skus: [b] },
        },
      ]);
      await expectConsistent();
    });

    it("reports an unknown product without touching stock", async () => {
      const { a, orderId } = await setup();
      await inbox(
        orderPlaced(orderId, [
          { sku: a, quantity: 1 },
          { sku: "never-put", quantity: 1 },
        ]),
      );
      expect(await stock(a)).toMatchObject({ available: 10, reserved: 0 });
      expect(await reservation(orderId)).toEqual({ status: "FAILED", reason: "UNKNOWN_PRODUCT" });
      expect(await published(orderId)).toMatchObject([
        {
          type: "StockReservationFailed",
          payload: { orderId, reason: "UNKNOWN_PRODUCT", skus: ["never-put"] },
        },
      ]);
    });

    it("reserves once when delivered twice, in one batch, across batches and concurrently", async () => {
      const { a, orderId } = await setup();
      const placed = orderPlaced(orderId, [{ sku: a, quantity: 2 }]);
      await inbox(placed, placed);
      await inbox(placed);
      await Promise.all([inbox(placed), inbox(placed)]);
      expect(await stock(a)).toMatchObject({ available: 8, reserved: 2 });
      expect(await types(orderId)).toEqual(["StockReserved"]);
      await expectConsistent();
    });

    it("never oversells when orders race for the last units", async () => {
      const a = uniqueId("scarce");
      const b = uniqueId("plenty");
      await seedProduct(a, 5);
      await seedProduct(b, 100);
      // Eight one-unit orders for five units of `a`, each also wanting one of the plentiful `b`...
      const single = Array.from({ length: 8 }, () => uniqueId("race"));
      await Promise.all(
        single.map((id) =>
          inbox(
            orderPlaced(id, [
              { sku: b, quantity: 1 },
              { sku: a, quantity: 1 },
            ]),
          ),
        ),
      );
      const statuses = await Promise.all(single.map(async (id) => (await reservation(id))?.status));
      expect(statuses.filter((s) => s === "RESERVED")).toHaveLength(5);
      expect(statuses.filter((s) => s === "FAILED")).toHaveLength(3);
      expect(await stock(a)).toMatchObject({ available: 0, reserved: 5 });
      // ...and a failed order holds none of `b` either.
      expect(await stock(b)).toMatchObject({ available: 95, reserved: 5 });
      for (const id of single) {
        const [event] = await published(id);
        if (event?.type === "StockReservationFailed")
          expect(event.payload).toMatchObject({ reason: "OUT_OF_STOCK", skus: [a] });
        else expect(event?.type).toBe("StockReserved");
      }
      await expectConsistent();
    });

    it("never oversells when multi-unit orders race", async () => {
      const sku = uniqueId("pairs");
      await seedProduct(sku, 5);
      const ids = Array.from({ length: 4 }, () => uniqueId("pair"));
      await Promise.all(ids.map((id) => inbox(orderPlaced(id, [{ sku, quantity: 2 }]))));
      const statuses = await Promise.all(ids.map(async (id) => (await reservation(id))?.status));
      expect(statuses.filter((s) => s === "RESERVED")).toHaveLength(2);
      expect(await stock(sku)).toMatchObject({ available: 1, reserved: 4 });
      await expectConsistent();
    });
  });

  describe("OrderConfirmed", () => {
    it("turns the reserved units into sold", async () => {
      const { a, b, orderId } = await setup();
      await inbox(
        orderPlaced(orderId, [
          { sku: a, quantity: 2 },
          { sku: b, quantity: 1 },
        ]),
      );
      await inbox(orderConfirmed(orderId));
      expect(await stock(a)).toMatchObject({ available: 8, reserved: 0, sold: 2 });
      expect(await stock(b)).toMatchObject({ available: 9, reserved: 0, sold: 1 });
      expect(await reservation(orderId)).toMatchObject({ status: "SOLD" });
      expect(await types(orderId)).toEqual(["StockReserved"]);
      await expectConsistent();
    });

    it("moves units once when replayed (same event again, or a second confirmation)", async () => {
      const { a, orderId } = await setup();
      await inbox(orderPlaced(orderId, [{ sku: a, quantity: 2 }]));
      const confirmed = orderConfirmed(orderId);
      await inbox(confirmed, confirmed);
      await inbox(orderConfirmed(orderId));
      expect(await stock(a)).toMatchObject({ available: 8, reserved: 0, sold: 2 });
      await expectConsistent();
    });

    it("does nothing for an order whose stock could not be reserved", async () => {
      const { a, orderId } = await setup(1);
      await inbox(orderPlaced(orderId, [{ sku: a, quantity: 2 }]), orderConfirmed(orderId));
      expect(await stock(a)).toMatchObject({ available: 1, reserved: 0, sold: 0 });
      expect(await reservation(orderId)).toMatchObject({ status: "FAILED" });
    });
  });

  describe("OrderRejected", () => {
    it("releases the reserved units", async () => {
      const { a, b, orderId } = await setup();
      await inbox(
        orderPlaced(orderId, [
          { sku: a, quantity: 4 },
          { sku: b, quantity: 1 },
        ]),
      );
      const rejected = orderRejected(orderId);
      await inbox(rejected, rejected);
      expect(await stock(a)).toMatchObject({ available: 10, reserved: 0, sold: 0 });
      expect(await stock(b)).toMatchObject({ available: 10, reserved: 0, sold: 0 });
      expect(await reservation(orderId)).toMatchObject({ status: "RELEASED" });
      await expectConsistent();
    });

    it("arriving before OrderPlaced leaves a tombstone, and the late order reserves nothing", async () => {
      const { a, orderId } = await setup();
      await inbox(orderRejected(orderId));
      expect(await reservation(orderId)).toEqual({
        status: "RELEASED",
        reason: "INSUFFICIENT_POINTS",
      });
      await inbox(orderPlaced(orderId, [{ sku: a, quantity: 3 }]));
      expect(await stock(a)).toMatchObject({ available: 10, reserved: 0 });
      expect(await reservation(orderId)).toMatchObject({ status: "RELEASED" });
      expect(await published(orderId)).toEqual([]);
      await expectConsistent();
    });

    it("TIMED_OUT: releases a reservation whose StockReserved came too late, and holds nothing for an OrderPlaced that comes after it", async () => {
      // The order service gave up before our answer reached it: compensation gives the units back.
      const { a, b, orderId } = await setup();
      await inbox(orderPlaced(orderId, [{ sku: a, quantity: 4 }]));
      await inbox(orderRejected(orderId, "TIMED_OUT"));
      expect(await reservation(orderId)).toEqual({ status: "RELEASED", reason: null });
      expect(await stock(a)).toMatchObject({ available: 10, reserved: 0, sold: 0 });
      // OrderPlaced never reached us in time (lost, then re-sent): the rejection comes first.
      const lost = uniqueId("order");
      await inbox(orderRejected(lost, "TIMED_OUT"));
      await inbox(orderPlaced(lost, [{ sku: b, quantity: 2 }]));
      expect(await reservation(lost)).toEqual({ status: "RELEASED", reason: "TIMED_OUT" });
      expect(await stock(b)).toMatchObject({ available: 10, reserved: 0, sold: 0 });
      expect(await types(lost)).toEqual([]);
      await expectConsistent();
    });

    it("marks a failed reservation released without touching stock", async () => {
      const { a, orderId } = await setup(1);
      await inbox(orderPlaced(orderId, [{ sku: a, quantity: 2 }]));
      await inbox(orderRejected(orderId));
      expect(await reservation(orderId)).toEqual({ status: "RELEASED", reason: "OUT_OF_STOCK" });
      expect(await stock(a)).toMatchObject({ available: 1, reserved: 0 });
    });

    it("racing OrderPlaced ends with nothing held, whichever commits first", async () => {
      for (let round = 0; round < 3; round++) {
        const { a, orderId } = await setup();
        await Promise.all([
          inbox(orderPlaced(orderId, [{ sku: a, quantity: 3 }])),
          inbox(orderRejected(orderId)),
        ]);
        expect(await reservation(orderId)).toMatchObject({ status: "RELEASED" });
        expect(await stock(a)).toMatchObject({ available: 10, reserved: 0 });
      }
      await expectConsistent();
    });
  });

  describe("OrderCancelled", () => {
    it("releases a reserved order", async () => {
      const { a, orderId } = await setup();
      await inbox(orderPlaced(orderId, [{ sku: a, quantity: 3 }]));
      await inbox(orderCancelled(orderId, "PENDING"));
      expect(await stock(a)).toMatchObject({ available: 10, reserved: 0, sold: 0 });
      expect(await reservation(orderId)).toMatchObject({ status: "CANCELLED" });
      await expectConsistent();
    });

    it("restocks a sold order, once even when delivered twice", async () => {
      const { a, b, orderId } = await setup();
      await inbox(
        orderPlaced(orderId, [
          { sku: a, quantity: 3 },
          { sku: b, quantity: 2 },
        ]),
      );
      await inbox(orderConfirmed(orderId));
      const cancelled = orderCancelled(orderId, "CONFIRMED");
      await inbox(cancelled);
      await inbox(cancelled);
      expect(await stock(a)).toMatchObject({ available: 10, reserved: 0, sold: 0 });
      expect(await stock(b)).toMatchObject({ available: 10, reserved: 0, sold: 0 });
      expect(await reservation(orderId)).toMatchObject({ status: "CANCELLED" });
      await expectConsistent();
    });

    it("arriving before the order leaves a tombstone; nothing that follows moves stock", async () => {
      const { a, orderId } = await setup();
      await inbox(orderCancelled(orderId, "PENDING"));
      expect(await reservation(orderId)).toEqual({ status: "CANCELLED", reason: null });
      await inbox(orderPlaced(orderId, [{ sku: a, quantity: 3 }]));
      await inbox(orderConfirmed(orderId));
      await inbox(orderRejected(orderId));
      expect(await stock(a)).toMatchObject({ available: 10, reserved: 0, sold: 0 });
      expect(await reservation(orderId)).toMatchObject({ status: "CANCELLED" });
      expect(await published(orderId)).toEqual([]);
      await expectConsistent();
    });

    it("followed by a late confirmation moves nothing twice", async () => {
      const { a, orderId } = await setup();
      await inbox(orderPlaced(orderId, [{ sku: a, quantity: 3 }]));
      await inbox(orderCancelled(orderId, "PENDING"));
      await inbox(orderConfirmed(orderId));
      expect(await stock(a)).toMatchObject({ available: 10, reserved: 0, sold: 0 });
      expect(await reservation(orderId)).toMatchObject({ status: "CANCELLED" });
      await expectConsistent();
    });

    it("of a failed or released reservation only records the cancel", async () => {
      const { a, orderId } = await setup(1);
      const released = uniqueId("order");
      await inbox(orderPlaced(orderId, [{ sku: a, quantity: 2 }]));
      await inbox(orderPlaced(released, [{ sku: a, quantity: 1 }]), orderRejected(released));
      await inbox(orderCancelled(orderId, "PENDING"), orderCancelled(released, "PENDING"));
      expect(await reservation(orderId)).toMatchObject({ status: "CANCELLED" });
      expect(await reservation(released)).toMatchObject({ status: "CANCELLED" });
      expect(await stock(a)).toMatchObject({ available: 1, reserved: 0, sold: 0 });
      await expectConsistent();
    });

    it("racing the confirmation gives every unit back, whichever commits first", async () => {
      for (let round = 0; round < 3; round++) {
        const { a, orderId } = await setup();
        await inbox(orderPlaced(orderId, [{ sku: a, quantity: 4 }]));
        await Promise.all([
          inbox(orderConfirmed(orderId)),
          inbox(orderCancelled(orderId, "CONFIRMED")),
        ]);
        expect(await reservation(orderId)).toMatchObject({ status: "CANCELLED" });
        expect(await stock(a)).toMatchObject({ available: 10, reserved: 0, sold: 0 });
      }
      await expectConsistent();
    });

    it("converges to the same state for every arrival order of the saga's events", async () => {
      const sku = uniqueId("perm");
      await seedProduct(sku, 100);
      const events = ["placed", "confirmed", "cancelled"] as const;
      const permutations = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
      ];
      for (const order of permutations) {
        const orderId = uniqueId("perm-order");
        const built = {
          placed: orderPlaced(orderId, [{ sku, quantity: 5 }]),
          confirmed: orderConfirmed(orderId),
          cancelled: orderCancelled(orderId, "CONFIRMED"),
        };
        for (const i of order) await inbox(built[events[i]!]);
        expect(await reservation(orderId), order.join()).toMatchObject({ status: "CANCELLED" });
      }
      expect(await stock(sku)).toMatchObject({ available: 100, reserved: 0, sold: 0 });
      await expectConsistent();
    });
  });
});
