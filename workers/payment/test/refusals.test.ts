import { env } from "cloudflare:workers";
import { EFFECT_MAX_ATTEMPTS } from "@edge-saga/shared";
import { afterEach, describe, expect, it } from "vitest";
import {
  call,
  capturedOrder,
  clearFaults,
  effectsSettled,
  inbox,
  ledgerLines,
  orderEvents,
  paymentRow,
  psp,
  recordAuthorization,
  reported,
  setFaults,
  uniqueId,
} from "./helpers";

/** How each of the order's effects ended, by kind, and the calls made for each. */
async function effectsOf(orderId: string) {
  const { results } = await env.DB.prepare(
    `SELECT e.kind, e.status, (SELECT group_concat(a.attempt || ' ' || a.result, ', ')
       FROM effect_attempts a WHERE a.key = e.key) AS calls
     FROM effects e WHERE e.subject = ? ORDER BY e.seq`,
  )
    .bind(orderId)
    .all<{ kind: string; status: string; calls: string | null }>();
  return results;
}

/** The dead letter of the order's effect `kind`, the processor's answer parsed from its body. */
async function deadLetterOf(orderId: string, kind: string) {
  const row = await env.DB.prepare(
    "SELECT queue, event_type AS eventType, reason, body, resolved_at AS resolvedAt FROM dead_letters WHERE message_id = ?",
  )
    .bind(`payment:${orderId}:${kind}`)
    .first<{ queue: string; eventType: string; reason: string; body: string; resolvedAt: null }>();
  return row && { ...row, body: JSON.parse(row.body) };
}

/** The processor acting on its own (an operator on its dashboard), with no key of ours. */
const atTheProcessor = (path: string, body: object = {}) =>
  psp(path, { method: "POST", body: JSON.stringify(body) });

const intentOf = async (orderId: string) => (await paymentRow(orderId))?.intentId ?? "";

afterEach(() => clearFaults());

describe("a processor's refusal ends the effect", () => {
  it("an unknown token (tok_bogus) is PaymentDeclined with the processor's code: nothing held, nothing captured", async () => {
    const orderId = uniqueId("bogus");
    const events = orderEvents(orderId, { paymentMethod: "tok_bogus" });
    await inbox(events.placed);
    await effectsSettled(orderId);
    expect(await reported(orderId)).toMatchObject([
      {
        type: "PaymentDeclined",
        payload: {
          orderId,
          amountCents: 2500,
          reason: "resource_missing",
          processorCode: "resource_missing",
        },
      },
    ]);
    // The order service rejects it (PAYMENT_DECLINED) and the rejection asks for a void.
    await inbox(events.rejected);
    await effectsSettled(orderId);
    expect(await paymentRow(orderId)).toMatchObject({ status: "DECLINED", intentId: null });
    expect(await ledgerLines(orderId)).toEqual([]);
    // Answered once, not retried; the void needed no call.
    expect(await effectsOf(orderId)).toEqual([
      { kind: "authorize", status: "DONE", calls: "1 done" },
      { kind: "void", status: "DONE", calls: "1 done" },
    ]);
  });

  it("a refused refund is a dead letter holding the processor's answer, made once", async () => {
    const orderId = uniqueId("refund-refused");
    const events = await capturedOrder(orderId, 1800);
    // Refunded at the processor meanwhile: the service's own refund is refused for good.
    await atTheProcessor("/v1/refunds", { payment_intent: await intentOf(orderId) });
    await inbox(events.cancelled("CONFIRMED"));
    await effectsSettled(orderId);

    expect((await effectsOf(orderId)).at(-1)).toEqual({
      kind: "refund",
      status: "FAILED",
      calls: "1 refused",
    });
    const letter = await deadLetterOf(orderId, "refund");
    expect(letter).toMatchObject({
      queue: "effects",
      eventType: "effect:refund",
      resolvedAt: null,
    });
    expect(letter?.reason).toMatch(/refund: the processor refused \(400 charge_already_refunded/);
    expect(letter?.body.answer).toMatchObject({
      status: 400,
      body: { error: { code: "charge_already_refunded" } },
    });
    // Nothing reported a refund it did not make.
    expect((await reported(orderId)).map((e) => e.type)).toEqual([
      "PaymentAuthorized",
      "PaymentCaptured",
    ]);
    expect(await ledgerLines(orderId)).toEqual([
      "authorization 1800",
      "capture 1800",
      "refund 1800",
    ]);
  });

  it("a refused capture is a dead letter, and the refund decided behind it still runs", async () => {
    const orderId = uniqueId("capture-refused");
    const events = orderEvents(orderId, { totalCents: 1200 });
    await inbox(events.placed);
    await effectsSettled(orderId);
    // Captured at the processor meanwhile: the service's capture is refused (already succeeded).
    await atTheProcessor(`/v1/payment_intents/${await intentOf(orderId)}/capture`);
    // One batch: the refund is decided before the capture is made, so it waits behind it.
    await inbox(events.confirmed, events.cancelled("CONFIRMED"));
    await effectsSettled(orderId);

    expect(await effectsOf(orderId)).toEqual([
      { kind: "authorize", status: "DONE", calls: "1 done" },
      { kind: "capture", status: "FAILED", calls: "1 refused" },
      { kind: "refund", status: "DONE", calls: "1 done" },
    ]);
    expect((await deadLetterOf(orderId, "capture"))?.body.answer).toMatchObject({
      status: 400,
      body: { error: { code: "payment_intent_unexpected_state" } },
    });
    expect(await ledgerLines(orderId)).toEqual([
      "authorization 1200",
      "capture 1200",
      "refund 1200",
    ]);
    expect((await paymentRow(orderId))?.status).toBe("REFUNDED");
  });
});

describe("a processor that never answers", () => {
  it(`is called ${EFFECT_MAX_ATTEMPTS} times at most: then a dead letter, and no more calls`, async () => {
    await setFaults({ seed: 3, probabilities: { "psp.error": 1 } });
    const orderId = uniqueId("capped");
    // As if all but the last attempt had been made (the real waits add up to minutes).
    await recordAuthorization(orderId, EFFECT_MAX_ATTEMPTS - 1);
    expect((await call("/admin/maintenance", { method: "POST" })).status).toBe(200);
    await effectsSettled(orderId);

    expect(await effectsOf(orderId)).toEqual([
      { kind: "authorize", status: "FAILED", calls: `${EFFECT_MAX_ATTEMPTS} exhausted` },
    ]);
    expect((await deadLetterOf(orderId, "authorize"))?.reason).toMatch(
      new RegExp(`no answer after ${EFFECT_MAX_ATTEMPTS} attempts: answered 500`),
    );
    // Later runs make no call: effect_attempts stops growing.
    await call("/admin/maintenance", { method: "POST" });
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect((await effectsOf(orderId))[0]?.calls).toBe(`${EFFECT_MAX_ATTEMPTS} exhausted`);
    expect(await reported(orderId)).toEqual([]);
  });
});
