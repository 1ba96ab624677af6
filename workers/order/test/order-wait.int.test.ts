import { env } from "cloudflare:workers";
import type { Order } from "@edge-saga/contracts";
import { asCustomer } from "@edge-saga/kit-testing";
import { relayStub } from "@edge-saga/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { call, deliverToOrder, placeOrder, postJson, replies, seedProducts } from "./helpers";

// `Prefer: wait=N` on GET /orders/{id} (waiting/): the relay of the order's shard holds the
// request until an event of the order passes it, in the real runtime (D1, the relay DO, the
// inbox consumer's poke).

beforeAll(async () => {
  await seedProducts([{ sku: "kiwi", priceCents: 400 }]);
});

/** An order points pay in full: StockReserved and PointsReserved confirm it. */
const placePaidByPoints = (customer: string) =>
  placeOrder(customer, [{ sku: "kiwi", quantity: 1 }], 400);

async function timedGet(order: Order, headers: Record<string, string> = {}, as = order.customerId) {
  const started = Date.now();
  const res = await call(`/orders/${order.id}`, { headers: { ...asCustomer(as), ...headers } });
  return {
    res,
    ms: Date.now() - started,
    body: res.status === 200 ? await res.json<Order>() : null,
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The participants' yes, through the inbox consumer (which pokes the relay with its events). */
const confirm = (order: Order) =>
  deliverToOrder(replies.stockReserved(order), replies.pointsReserved(order));

/** GET with `prefer`, confirming the order 300 ms into the hold. */
async function getWhileConfirming(order: Order, prefer: string) {
  const answer = timedGet(order, { prefer });
  await pause(300);
  await confirm(order);
  return answer;
}

describe("GET /orders/{id} with Prefer: wait", () => {
  it("answers as soon as the saga moves the order, well before N seconds", async () => {
    const order = await placePaidByPoints("wanda");
    const { res, ms, body } = await getWhileConfirming(order, "wait=5");
    expect(body?.status).toBe("CONFIRMED");
    expect(ms).toBeGreaterThanOrEqual(250);
    // Well before the 5 s it may hold (bounds wide: the runtime shares 2 cores with the suite).
    expect(ms).toBeLessThan(4_000);
    expect(res.headers.get("Preference-Applied")).toBe("wait=5");
    expect(res.headers.get("Retry-After")).toBeNull();
  });

  it("holds an order that does not change for N seconds and answers it PENDING", async () => {
    const order = await placePaidByPoints("wendy");
    const { res, ms, body } = await timedGet(order, { prefer: "wait=1" });
    expect(body?.status).toBe("PENDING");
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(ms).toBeLessThan(4_500);
    expect(res.headers.get("Preference-Applied")).toBe("wait=1");
    expect(res.headers.get("Retry-After")).toBe("1");
  });

  it("caps N at 30 and reads wait among other preferences", async () => {
    const order = await placePaidByPoints("wilma");
    const { res, ms, body } = await getWhileConfirming(order, 'respond-async, WAIT="45"');
    expect(body?.status).toBe("CONFIRMED");
    expect(ms).toBeLessThan(10_000);
    expect(res.headers.get("Preference-Applied")).toBe("wait=30");
  });

  it("ignores a Prefer it cannot read: the PENDING order at once", async () => {
    const order = await placePaidByPoints("wren");
    for (const prefer of ["wait=abc", "wait=0", "wait=1.5", "wait=-3", "wait", "handling=strict"]) {
      const { res, ms, body } = await timedGet(order, { prefer });
      expect(res.status, prefer).toBe(200);
      expect(body?.status).toBe("PENDING");
      // Not held: a misread wait would hold it and say so in Preference-Applied.
      expect(ms, prefer).toBeLessThan(4_000);
      expect(res.headers.get("Preference-Applied"), prefer).toBeNull();
      expect(res.headers.get("Retry-After")).toBe("1");
    }
  });

  it("answers a settled order at once, without holding it", async () => {
    const order = await placePaidByPoints("willa");
    await confirm(order);
    const { res, ms, body } = await timedGet(order, { prefer: "wait=5" });
    expect(body?.status).toBe("CONFIRMED");
    expect(ms).toBeLessThan(4_000);
    expect(res.headers.get("Preference-Applied")).toBeNull();
    expect(res.headers.get("Retry-After")).toBeNull();
  });

  it("answers another customer's order 404 at once, waiting or not", async () => {
    const order = await placePaidByPoints("wynne");
    const { res, ms } = await timedGet(order, { prefer: "wait=5" }, "mallory");
    expect(res.status).toBe(404);
    expect(ms).toBeLessThan(4_000);
  });
});

describe("Retry-After on answers still in progress", () => {
  it("says 1 s on a 202 and on a PENDING order, nothing once it is settled", async () => {
    const res = await postJson(
      "/orders",
      { items: [{ sku: "kiwi", quantity: 1 }], pointsToRedeem: 400 },
      asCustomer("xena"),
    );
    expect(res.status).toBe(202);
    expect(res.headers.get("Retry-After")).toBe("1");
    const order = await res.json<Order>();
    expect((await timedGet(order)).res.headers.get("Retry-After")).toBe("1");
    await confirm(order);
    expect((await timedGet(order)).res.headers.get("Retry-After")).toBeNull();
  });
});

describe("OutboxRelay.waitForEvent", () => {
  const relay = () => relayStub(env.OUTBOX_RELAY);

  it("ends at its timeout with false when no event of the id passes", async () => {
    const started = Date.now();
    expect(await relay().waitForEvent("nobody", 200)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it("ends at once with true when the recheck after registering finds the change", async () => {
    const started = Date.now();
    expect(await relay().waitForEvent("changed", 5_000, async () => true)).toBe(true);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it("is woken by an event of its id only", async () => {
    const order = await placePaidByPoints("yara");
    const mine = relay().waitForEvent(order.id, 5_000);
    const theirs = relay().waitForEvent(`${order.id}-not`, 600);
    await pause(100);
    await confirm(order);
    expect(await mine).toBe(true);
    expect(await theirs).toBe(false);
  });
});
