import { describe, expect, it } from "vitest";
import { authorize, call, cancel, capture, entries, type Json, ledger, refund } from "./helpers";

/** Every page of the per-order listing, checking each page's size and order. */
async function allOrders(limit: number): Promise<Json[]> {
  const orders: Json[] = [];
  let after: string | null = null;
  for (;;) {
    const query: string = after === null ? "" : `&starting_after=${after}`;
    const res = await call("GET", `/v1/ledger/orders?limit=${limit}${query}`);
    expect(res.status).toBe(200);
    expect(res.body.data.length).toBeLessThanOrEqual(limit);
    orders.push(...res.body.data);
    if (!res.body.has_more) {
      expect(res.body.next).toBeNull();
      return orders;
    }
    expect(res.body.next).toBe(res.body.data.at(-1).order_id);
    after = res.body.next;
  }
}

describe("ledger", () => {
  it("totals what is held, captured, refunded and declined", async () => {
    const before = await ledger();
    const a = await authorize("tot-a", { amount: 1000 });
    const b = await authorize("tot-b", { amount: 2000 });
    await authorize("tot-c", { amount: 4000 });
    await authorize("tot-d", { amount: 5000, payment_method: "tok_insufficient_funds" });
    await capture(a.body.id);
    await refund(a.body.id, 250);
    await cancel(b.body.id);

    const after = await ledger();
    const delta = (field: string) => after.totals[field] - before.totals[field];
    expect(delta("authorized_open")).toBe(4000);
    expect(delta("captured")).toBe(1000);
    expect(delta("refunded")).toBe(250);
    expect(delta("net")).toBe(750);
    expect(delta("intents")).toBe(4);
    expect(delta("declines")).toBe(1);
    // authorization x3, decline, capture, refund, void
    expect(after.entries - before.entries).toBe(7);
  });

  it("lists orders by order id, page by page, with each intent's ledger counts", async () => {
    const prefix = "page-";
    // Created out of order: the listing is by order id, not by time.
    for (const n of [4, 1, 3, 0, 2]) await authorize(`${prefix}${n}`, { amount: 100 + n });
    const again = await authorize(`${prefix}3`, { amount: 999 });
    await capture(again.body.id, { amount_to_capture: 900 });
    await refund(again.body.id, 100);
    await refund(again.body.id, 100);

    for (const limit of [1, 2, 500]) {
      const listed = (await allOrders(limit)).filter((o) => o.order_id.startsWith(prefix));
      expect(listed.map((o) => o.order_id)).toEqual([0, 1, 2, 3, 4].map((n) => `${prefix}${n}`));
      expect(listed[0].intents).toEqual([
        expect.objectContaining({
          status: "requires_capture",
          amount: 100,
          amount_received: 0,
          amount_refunded: 0,
          captures: 0,
          refunds: 0,
          voids: 0,
        }),
      ]);
      expect(listed[3].intents).toHaveLength(2);
      expect(listed[3].intents[1]).toEqual({
        id: again.body.id,
        status: "succeeded",
        amount: 999,
        amount_received: 900,
        amount_refunded: 200,
        captures: 1,
        refunds: 2,
        voids: 0,
      });
    }
  });

  it("answers 400 for a limit out of 1..500", async () => {
    for (const limit of ["0", "501", "x"])
      expect((await call("GET", `/v1/ledger/orders?limit=${limit}`)).status).toBe(400);
  });

  it("gives one order's entries in order, with their keys", async () => {
    const intent = await authorize("trace-1", { amount: 600, key: "trace-key-auth" });
    await capture(intent.body.id, {}, "trace-key-capture");
    const refunded = await refund(intent.body.id, 200);
    const list = await entries("trace-1");
    expect(list.map((e) => [e.kind, e.amount, e.idempotency_key])).toEqual([
      ["authorization", 600, "trace-key-auth"],
      ["capture", 600, "trace-key-capture"],
      ["refund", 200, null],
    ]);
    for (const entry of list) {
      expect(entry).toMatchObject({ intent: intent.body.id, order_id: "trace-1" });
      expect(typeof entry.at).toBe("number");
    }
    // The refund's entry is the refund: a trace ties the two.
    expect(list[2].id).toBe(refunded.body.id);
    expect((await call("GET", "/v1/ledger/entries")).status).toBe(400);
  });
});
