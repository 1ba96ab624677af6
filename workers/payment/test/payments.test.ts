import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { asAdmin, asCustomer } from "@edge-saga/kit-testing";
import { relayStub } from "@edge-saga/shared";
import { afterEach, describe, expect, it } from "vitest";
import {
  call,
  capturedOrder,
  clearFaults,
  customerOf,
  effectsSettled,
  getPayment,
  inbox,
  ledgerLines,
  ledgerOf,
  orderEvents,
  paymentRow,
  psp,
  recordAuthorization,
  reported,
  setFaults,
  uniqueId,
} from "./helpers";

const types = async (orderId: string) => (await reported(orderId)).map((e) => e.type);

/** What a request could have written about the order: its row, effects and events. */
const written = async (orderId: string) => ({
  row: await paymentRow(orderId),
  effects: (
    await env.DB.prepare("SELECT key, status FROM effects WHERE subject = ?").bind(orderId).all()
  ).results,
  events: await reported(orderId),
});

afterEach(() => clearFaults());

describe("a card payment through the saga", () => {
  it("OrderPlaced records the authorization with its key in the handler's batch; the relay makes it and reports PaymentAuthorized", async () => {
    const orderId = uniqueId("pay");
    const events = orderEvents(orderId, { totalCents: 2500, pointsToRedeem: 300 });
    await inbox(events.placed);
    // Committed with the inbox row: the effect, keyed by order and operation.
    const effect = await env.DB.prepare("SELECT key, kind FROM effects WHERE subject = ?")
      .bind(orderId)
      .first();
    expect(effect).toEqual({ key: `payment:${orderId}:authorize`, kind: "authorize" });

    await effectsSettled(orderId);
    expect(await paymentRow(orderId)).toMatchObject({
      requested: "AUTHORIZE",
      status: "AUTHORIZED",
      amountCents: 2200,
    });
    expect(await ledgerLines(orderId)).toEqual(["authorization 2200"]);
    expect((await ledgerOf(orderId))[0]?.idempotency_key).toBe(`payment:${orderId}:authorize`);
    const [event] = await reported(orderId);
    expect(event).toMatchObject({
      type: "PaymentAuthorized",
      payload: { orderId, amountCents: 2200 },
    });
  });

  it("a confirmed order is captured for exactly its amount, once, however often OrderConfirmed comes", async () => {
    const orderId = uniqueId("capture");
    const events = orderEvents(orderId, { totalCents: 4200 });
    await inbox(events.placed);
    await effectsSettled(orderId);
    await inbox(events.confirmed);
    await inbox(events.confirmed, { ...events.confirmed, id: `${events.confirmed.id}-copy` });
    await effectsSettled(orderId);
    expect(await ledgerLines(orderId)).toEqual(["authorization 4200", "capture 4200"]);
    expect((await paymentRow(orderId))?.status).toBe("CAPTURED");
    expect(await types(orderId)).toEqual(["PaymentAuthorized", "PaymentCaptured"]);
  });

  it("cancelling a captured order refunds exactly once", async () => {
    const orderId = uniqueId("refund");
    const events = await capturedOrder(orderId, 1999);
    const cancelled = events.cancelled("CONFIRMED");
    await inbox(cancelled, cancelled);
    await inbox({ ...cancelled, id: `${cancelled.id}-again` });
    await effectsSettled(orderId);
    expect(await ledgerLines(orderId)).toEqual([
      "authorization 1999",
      "capture 1999",
      "refund 1999",
    ]);
    expect((await paymentRow(orderId))?.status).toBe("REFUNDED");
  });

  it("a declined card is answered with PaymentDeclined and its reason; the rejection voids nothing it does not hold", async () => {
    for (const [token, reason] of [
      ["tok_declined", "card_declined"],
      ["tok_insufficient_funds", "insufficient_funds"],
    ] as const) {
      const orderId = uniqueId("declined");
      const events = orderEvents(orderId, { paymentMethod: token });
      await inbox(events.placed);
      await effectsSettled(orderId);
      expect(await reported(orderId)).toMatchObject([
        { type: "PaymentDeclined", payload: { orderId, amountCents: 2500, reason } },
      ]);
      await inbox(events.rejected);
      await effectsSettled(orderId);
      expect(await ledgerLines(orderId)).toEqual(["decline 2500"]);
      expect((await paymentRow(orderId))?.status).toBe("DECLINED");
    }
  });

  it("a rejected order's authorization is voided: nothing stays held", async () => {
    const orderId = uniqueId("void");
    const events = orderEvents(orderId);
    await inbox(events.placed);
    await effectsSettled(orderId);
    await inbox(events.rejected);
    await effectsSettled(orderId);
    expect(await ledgerLines(orderId)).toEqual(["authorization 2500", "void 2500"]);
    expect((await paymentRow(orderId))?.status).toBe("VOIDED");
    expect(await types(orderId)).toEqual(["PaymentAuthorized", "PaymentVoided"]);
  });

  it("an order paid entirely with points never calls the processor and is answered at once", async () => {
    const orderId = uniqueId("points-only");
    const events = orderEvents(orderId, { totalCents: 800, pointsToRedeem: 800 });
    await inbox(events.placed);
    expect(await paymentRow(orderId)).toMatchObject({
      requested: "NOT_REQUIRED",
      status: "NOT_REQUIRED",
    });
    expect(await reported(orderId)).toMatchObject([
      { type: "PaymentAuthorized", payload: { orderId, amountCents: 0 } },
    ]);
    await inbox(events.confirmed);
    await inbox(events.cancelled("CONFIRMED"));
    const effects = await env.DB.prepare("SELECT COUNT(*) AS n FROM effects WHERE subject = ?")
      .bind(orderId)
      .first<{ n: number }>();
    expect(effects?.n).toBe(0);
    expect(await ledgerOf(orderId)).toEqual([]);
  });

  it("a cancel that overtakes OrderPlaced leaves a tombstone: the late OrderPlaced authorizes nothing", async () => {
    const orderId = uniqueId("tombstone");
    const events = orderEvents(orderId);
    await inbox(events.cancelled("PENDING"));
    await inbox(events.placed);
    await effectsSettled(orderId);
    expect(await paymentRow(orderId)).toMatchObject({ requested: "CLOSED", status: "VOIDED" });
    expect(await ledgerOf(orderId)).toEqual([]);
    // The view hears of it too: nothing was held.
    expect(await reported(orderId)).toMatchObject([
      { type: "PaymentVoided", payload: { orderId, amountCents: 0 } },
    ]);
  });

  it("a cancel while the authorization is still to be made: authorized first, then voided, in that order", async () => {
    const orderId = uniqueId("race");
    const events = orderEvents(orderId);
    // One batch: the effect of the first is not made before the second is decided.
    await inbox(events.placed, events.cancelled("PENDING"));
    await effectsSettled(orderId);
    expect(await ledgerLines(orderId)).toEqual(["authorization 2500", "void 2500"]);
    expect((await paymentRow(orderId))?.status).toBe("VOIDED");
  });

  it("a cancel of the confirmed order that overtakes OrderConfirmed voids the hold; the late confirmation captures nothing", async () => {
    const orderId = uniqueId("overtaken");
    const events = orderEvents(orderId);
    await inbox(events.placed);
    await effectsSettled(orderId);
    await inbox(events.cancelled("CONFIRMED"));
    await inbox(events.confirmed);
    await effectsSettled(orderId);
    expect(await ledgerLines(orderId)).toEqual(["authorization 2500", "void 2500"]);
  });
});

describe("calls whose answer is lost", () => {
  it("a timeout after the processor committed is made again with the same key: one authorization, two calls", async () => {
    await setFaults({ seed: 1, probabilities: { "psp.timeout-after-commit": 1 }, hangMs: 1_500 });
    const orderId = uniqueId("timeout");
    await inbox(orderEvents(orderId).placed);
    // The first call timed out (PSP_TIMEOUT_MS 400): no answer recorded, the effect waits.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect((await paymentRow(orderId))?.status).toBe("PENDING");
    expect(await ledgerLines(orderId)).toEqual(["authorization 2500"]);
    await clearFaults();
    await effectsSettled(orderId);

    expect(await ledgerLines(orderId)).toEqual(["authorization 2500"]);
    expect((await paymentRow(orderId))?.status).toBe("AUTHORIZED");
    const calls = await env.DB.prepare(
      "SELECT attempt, result FROM effect_attempts WHERE key = ? ORDER BY attempt",
    )
      .bind(`payment:${orderId}:authorize`)
      .all();
    expect(calls.results).toEqual([
      { attempt: 1, result: "retry" },
      { attempt: 2, result: "done" },
    ]);
    expect(await types(orderId)).toEqual(["PaymentAuthorized"]);
  });

  it("a processor error before it committed is made again; the effect is visible to an operator meanwhile", async () => {
    await setFaults({ seed: 2, probabilities: { "psp.error": 1 } });
    const orderId = uniqueId("error");
    await inbox(orderEvents(orderId).placed);
    let pending: { pending: { key: string; lastError: string | null }[] } = { pending: [] };
    await expect
      .poll(async () => {
        pending = await (await call("/admin/effects")).json();
        return pending.pending.find((e) => e.key === `payment:${orderId}:authorize`)?.lastError;
      })
      .toMatch(/answered 500/);
    expect(await ledgerOf(orderId)).toEqual([]);
    await clearFaults();
    await effectsSettled(orderId);
    expect(await ledgerLines(orderId)).toEqual(["authorization 2500"]);
  });
});

describe("GET /orders/{id}/payment", () => {
  it("answers the payment's status and amount, 404 for an order it has not heard of", async () => {
    const orderId = uniqueId("route");
    expect((await getPayment(orderId)).status).toBe(404);
    await inbox(orderEvents(orderId, { totalCents: 900, pointsToRedeem: 100 }).placed);
    await effectsSettled(orderId);
    expect(await (await getPayment(orderId)).json()).toEqual({
      orderId,
      status: "AUTHORIZED",
      amountCents: 800,
    });
    expect((await getPayment("bad id", asAdmin())).status).toBe(400);
  });

  it("acts only for the order's customer: another's is the unknown order's 404, none is 401, an operator reads any; nothing written", async () => {
    const orderId = uniqueId("mine");
    await inbox(orderEvents(orderId, { totalCents: 700 }).placed);
    await effectsSettled(orderId);
    const unknown = await (await getPayment(uniqueId("nobody"), asCustomer("bob"))).json<{
      error: { code: string };
    }>();
    expect(unknown.error.code).toBe("NOT_FOUND");
    const before = await written(orderId);

    const bobs = await getPayment(orderId, asCustomer("bob"));
    expect(bobs.status).toBe(404);
    const body = await bobs.json<{ error: { code: string; message: string } }>();
    // The same answer as for an order that does not exist, but for the id asked about.
    expect(body.error.code).toBe(unknown.error.code);
    // Nothing of her payment: not its amount (700 cents; a word of its own, not a digit run of the id).
    expect(JSON.stringify(body)).not.toMatch(/\b700\b/);
    const anonymous = await getPayment(orderId, {});
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await anonymous.json<{ error: { code: string } }>()).error.code).toBe(
      "UNAUTHENTICATED",
    );
    expect(await written(orderId)).toEqual(before);

    expect(await (await getPayment(orderId, asAdmin())).json()).toMatchObject({
      orderId,
      amountCents: 700,
    });
  });
});

describe("the processor's customer", () => {
  it("the authorization names the order's customer: with no method, her saved card pays, each customer her own", async () => {
    const [mine, theirs] = [uniqueId("card"), uniqueId("card")];
    await inbox(orderEvents(mine).placed, orderEvents(theirs).placed);
    await effectsSettled(mine);
    await effectsSettled(theirs);
    const intentOf = async (orderId: string) =>
      psp<{ customer: string; payment_method: string; status: string }>(
        `/v1/payment_intents/${(await paymentRow(orderId))?.intentId}`,
      );
    const [a, b] = [await intentOf(mine), await intentOf(theirs)];
    expect(a).toMatchObject({ customer: customerOf(mine), status: "requires_capture" });
    expect(b).toMatchObject({ customer: customerOf(theirs), status: "requires_capture" });
    expect(a.payment_method).toMatch(/^pm_/);
    expect(b.payment_method).not.toBe(a.payment_method);
  });
});

describe("/admin/psp/faults", () => {
  it("is not there unless faults are enabled (never in a deployed config)", async () => {
    expect((await call("/admin/psp/faults")).status).toBe(404);
    expect((await call("/admin/psp/faults", { method: "PUT", body: "{}" })).status).toBe(404);
  });
});

describe("an effect whose poke was lost", () => {
  it("is made once the cron's maintenance pokes the relay", async () => {
    const orderId = uniqueId("lost-poke");
    // A relay run with nothing pending: the relay plans no effect run until it is told.
    await call("/admin/maintenance", { method: "POST" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Nor may an alarm an earlier test armed (another's effect, still due) run it behind our back.
    await runInDurableObject(relayStub(env.OUTBOX_RELAY), (_relay, state) =>
      state.storage.deleteAlarm(),
    );
    // As if the handler committed (the payment and its effect) and crashed before its poke.
    await recordAuthorization(orderId);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await ledgerOf(orderId)).toEqual([]);
    expect((await call("/admin/maintenance", { method: "POST" })).status).toBe(200);
    await effectsSettled(orderId);
    expect(await ledgerLines(orderId)).toEqual(["authorization 1300"]);
    expect(await types(orderId)).toEqual(["PaymentAuthorized"]);
  });
});
