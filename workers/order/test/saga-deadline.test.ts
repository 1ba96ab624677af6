import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Order } from "@edge-saga/contracts";
import { asAdmin, asCustomer } from "@edge-saga/kit-testing";
import { relayStub } from "@edge-saga/shared";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { parseSagaDeadline } from "../src/domain/deadline";
import { pendingReads, rejectOverdueOrders, TIMEOUTS_PER_RUN } from "../src/saga-deadline";
import {
  call,
  count,
  db,
  deliverToOrder,
  getOrder,
  placeOrder,
  published,
  replies,
  seedProducts,
} from "./helpers";

/** The configured deadline (wrangler.toml's SAGA_DEADLINE_SECONDS, 60 s). */
const DEADLINE = parseSagaDeadline(env.SAGA_DEADLINE_SECONDS) ?? 0;
const relay = () => relayStub(env.OUTBOX_RELAY);
const placedAt = (order: Order) => Date.parse(order.createdAt);
const lines = [{ sku: "kettle", quantity: 1 }];

beforeAll(async () => {
  await seedProducts([{ sku: "kettle", priceCents: 3900 }]);
});

afterEach(() => {
  vi.useRealTimers();
});

async function row(id: string) {
  return env.DB.prepare(
    "SELECT status, rejection_reason AS reason, stock_state AS stock, points_state AS points, version FROM orders WHERE id = ?",
  )
    .bind(id)
    .first<{
      status: string;
      reason: string | null;
      stock: string;
      points: string;
      version: number;
    }>();
}

const rejections = (orderId: string) => published({ type: "OrderRejected", orderId });

/** Every order still PENDING is decided, so a test starts from no pending order. */
async function noPendingOrders() {
  await rejectOverdueOrders(db, Date.now() + 100 * DEADLINE, DEADLINE);
  expect(await count("SELECT COUNT(*) AS n FROM orders WHERE status = 'PENDING'")).toBe(0);
}

describe("saga deadline", () => {
  it("is SAGA_DEADLINE_SECONDS of the order service, 60 s unless set", () => {
    expect(DEADLINE).toBe(60_000);
    expect(parseSagaDeadline(undefined)).toBe(60_000);
    expect(parseSagaDeadline("0.5")).toBe(500);
    for (const bad of ["0", "-1", "60s", "soon"]) expect(parseSagaDeadline(bad)).toBeNull();
  });

  it("the relay's alarm rejects an order nobody answered TIMED_OUT once its deadline passed, and publishes OrderRejected", async () => {
    const silent = await placeOrder("silent", lines);
    // Inventory answered, rewards never did.
    const half = await placeOrder("half", lines, 100);
    await deliverToOrder(replies.stockReserved(half));

    // The runs the placements asked for are over: only the run below can see the new time.
    await vi.waitFor(
      async () => {
        const { nextAlarmAt } = await relay().status();
        expect(nextAlarmAt === null || nextAlarmAt > Date.now() + 5_000).toBe(true);
      },
      { timeout: 10_000, interval: 25 },
    );
    // The clock moves past both deadlines; the relay's next run finds them due.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(placedAt(half) + DEADLINE + 1);
    await relay().poke();
    expect(await runDurableObjectAlarm(relay())).toBe(true);
    vi.useRealTimers();

    expect(await row(silent.id)).toMatchObject({
      status: "REJECTED",
      reason: "TIMED_OUT",
      stock: "PENDING",
    });
    expect(await row(half.id)).toMatchObject({
      status: "REJECTED",
      reason: "TIMED_OUT",
      stock: "RESERVED",
      points: "PENDING",
    });
    expect((await getOrder(silent.id)).rejectionReason).toBe("TIMED_OUT");
    for (const order of [silent, half]) {
      const [event, ...more] = await rejections(order.id);
      expect(more).toEqual([]);
      expect(event).toMatchObject({
        type: "OrderRejected",
        causationId: `saga-deadline:${order.id}`,
        correlationId: order.id,
        payload: { orderId: order.id, customerId: order.customerId, reason: "TIMED_OUT" },
      });
      // It left in the same run: inventory and rewards release what they hold on it.
      expect(
        await count(
          "SELECT COUNT(*) AS n FROM outbox WHERE event_id = ? AND published_at IS NOT NULL",
          event?.id,
        ),
      ).toBe(1);
    }
    const history = await call(`/orders/${silent.id}/history`, { headers: asAdmin() }).then((r) =>
      r.json<{ transitions: { toStatus: string; change: string; cause: string }[] }>(),
    );
    expect(history.transitions.at(-1)).toMatchObject({
      toStatus: "REJECTED",
      change: "SagaDeadline",
      cause: `saga-deadline:${silent.id}`,
    });
  });

  it("leaves an order alone before its deadline, and orders decided in time after it", async () => {
    await noPendingOrders();
    const waiting = await placeOrder("waiting", lines);
    const confirmed = await placeOrder("in-time", lines);
    await deliverToOrder(replies.stockReserved(confirmed), replies.paymentAuthorized(confirmed));
    const refused = await placeOrder("refused", lines);
    await deliverToOrder(replies.stockFailed(refused));
    const before = await Promise.all([waiting, confirmed, refused].map((o) => row(o.id)));

    // One ms before the deadline: nothing is due, the next check is at the deadline.
    const early = await rejectOverdueOrders(db, placedAt(waiting) + DEADLINE - 1, DEADLINE);
    expect(early).toEqual({ timedOut: [], nextDueAt: placedAt(waiting) + DEADLINE });
    expect(await row(waiting.id)).toEqual(before[0]);

    // Long after: only the order still waiting is rejected; the decided ones keep their version.
    const late = await rejectOverdueOrders(db, placedAt(refused) + 10 * DEADLINE, DEADLINE);
    expect(late.timedOut).toEqual([waiting.id]);
    expect(await row(confirmed.id)).toEqual(before[1]);
    expect(await row(confirmed.id)).toMatchObject({ status: "CONFIRMED" });
    expect(await row(refused.id)).toEqual(before[2]);
    expect(await row(refused.id)).toMatchObject({ status: "REJECTED", reason: "OUT_OF_STOCK" });
    expect(await rejections(confirmed.id)).toEqual([]);
    expect((await rejections(refused.id)).map((e) => e.payload.reason)).toEqual(["OUT_OF_STOCK"]);
  });

  it("a reply arriving after the timeout changes nothing", async () => {
    const order = await placeOrder("late-reply", lines, 50);
    await rejectOverdueOrders(db, placedAt(order) + DEADLINE, DEADLINE);
    const timedOut = await row(order.id);
    expect(timedOut).toMatchObject({ status: "REJECTED", reason: "TIMED_OUT" });

    const stock = replies.stockReserved(order);
    await deliverToOrder(stock, replies.pointsReserved(order));
    expect(await row(order.id)).toEqual(timedOut);
    // Handled (its receipt goes back), and no decision follows: inventory and rewards release
    // what they reserved late when OrderRejected reaches them.
    expect(await count("SELECT COUNT(*) AS n FROM inbox WHERE event_id = ?", stock.id)).toBe(1);
    expect(
      (await published({ orderId: order.id })).map((e) => [e.type, e.payload.reason ?? null]),
    ).toEqual([
      ["OrderPlaced", null],
      ["OrderRejected", "TIMED_OUT"],
    ]);
    // The customer can no longer cancel it either.
    const cancel = { method: "POST", headers: asCustomer("late-reply") };
    expect((await call(`/orders/${order.id}/cancel`, cancel)).status).toBe(409);
  });

  it("a reply committing while the deadline decides wins: the order is decided again on what it left", async () => {
    await noPendingOrders();
    // Confirmed by its reply meanwhile: not touched. Half-answered meanwhile: still timed out,
    // with the answer kept. Nobody answered: timed out (the batch it shared was rolled back).
    const confirmed = await placeOrder("race-confirmed", lines);
    const half = await placeOrder("race-half", lines, 100);
    const silent = await placeOrder("race-silent", lines);
    await deliverToOrder(replies.paymentAuthorized(confirmed));
    const now = placedAt(silent) + DEADLINE;
    let replied = false;
    const racing = new Proxy(db, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (key !== "batch" || replied) return value;
        // The deadline's first call reads the overdue orders; the replies commit right after.
        return async (...args: unknown[]) => {
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          replied = true;
          await deliverToOrder(replies.stockReserved(confirmed), replies.stockReserved(half));
          return result;
        };
      },
    });
    const run = await rejectOverdueOrders(racing, now, DEADLINE);

    expect(run.timedOut.sort()).toEqual([half.id, silent.id].sort());
    expect(await row(confirmed.id)).toMatchObject({ status: "CONFIRMED", version: 3 });
    expect(await rejections(confirmed.id)).toEqual([]);
    expect(await published({ type: "OrderConfirmed", orderId: confirmed.id })).toHaveLength(1);
    expect(await row(half.id)).toMatchObject({
      status: "REJECTED",
      reason: "TIMED_OUT",
      stock: "RESERVED",
      version: 3,
    });
    expect(await row(silent.id)).toMatchObject({ status: "REJECTED", reason: "TIMED_OUT" });
    for (const order of [half, silent]) expect(await rejections(order.id)).toHaveLength(1);
  });

  it("next due: the oldest pending order's deadline, a deadline from now when none is pending", async () => {
    await noPendingOrders();
    const now = Date.now();
    expect(await rejectOverdueOrders(db, now, DEADLINE)).toEqual({
      timedOut: [],
      nextDueAt: now + DEADLINE,
    });
    const older = await placeOrder("older", lines);
    const newer = await placeOrder("newer", lines);
    // Apart by a second, whatever the clock's resolution.
    await env.DB.prepare("UPDATE orders SET created_at = created_at - 1000 WHERE id = ?")
      .bind(older.id)
      .run();
    const olderAt = placedAt(older) - 1000;

    expect((await rejectOverdueOrders(db, olderAt, DEADLINE)).nextDueAt).toBe(olderAt + DEADLINE);
    const run = await rejectOverdueOrders(db, olderAt + DEADLINE, DEADLINE);
    expect(run).toEqual({ timedOut: [older.id], nextDueAt: placedAt(newer) + DEADLINE });
    expect((await row(newer.id))?.status).toBe("PENDING");
  });

  it("rejects a backlog a page per run, the next run due at once while a page was full", async () => {
    await noPendingOrders();
    const backlog = await Promise.all(
      Array.from({ length: TIMEOUTS_PER_RUN + 3 }, (_, i) => placeOrder(`backlog-${i}`, lines)),
    );
    const now = Math.max(...backlog.map(placedAt)) + DEADLINE;
    const first = await rejectOverdueOrders(db, now, DEADLINE);
    expect(first.timedOut).toHaveLength(TIMEOUTS_PER_RUN);
    expect(first.nextDueAt).toBe(now);
    const second = await rejectOverdueOrders(db, now, DEADLINE);
    expect(second).toEqual({ timedOut: expect.any(Array), nextDueAt: now + DEADLINE });
    expect(second.timedOut).toHaveLength(3);
    expect(new Set([...first.timedOut, ...second.timedOut])).toEqual(
      new Set(backlog.map((o) => o.id)),
    );
  });

  it("reads through the (status, created_at) index, never the whole table", async () => {
    for (const query of pendingReads(db, Date.now())) {
      const { sql, params } = query.toSQL();
      const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...params)
        .all<{ detail: string }>();
      const plan = results.map((r) => r.detail).join("; ");
      expect(plan).toMatch(/SEARCH orders USING (COVERING )?INDEX orders_status_created_idx/);
      expect(plan).not.toMatch(/SCAN|TEMP B-TREE/);
    }
  });
});
