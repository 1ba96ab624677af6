import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  authorize,
  call,
  cancel,
  capture,
  entries,
  held,
  ledger,
  refund,
  request,
  SHOPPER,
  uniqueId,
} from "./helpers";

describe("authentication", () => {
  it("answers 401 without the secret or with another, and 200 with it", async () => {
    const path = "/v1/ledger";
    for (const authorization of [undefined, "Bearer sk_test_other", "sk_test_sandbox"]) {
      const req = request("GET", path);
      if (authorization) req.headers.set("authorization", authorization);
      else req.headers.delete("authorization");
      const res = await exports.default.fetch(req);
      expect(res.status).toBe(401);
      const body = await res.json<{ error: { type: string; message: string } }>();
      expect(body.error.type).toBe("authentication_error");
      expect(body.error.message).toBeTruthy();
    }
    expect((await call("GET", path)).status).toBe(200);
  });

  it("refuses a POST without the secret before doing anything", async () => {
    const before = await ledger();
    const req = request("POST", "/v1/payment_intents", {
      amount: 100,
      currency: "usd",
      capture_method: "manual",
      metadata: { order_id: uniqueId("o") },
    });
    req.headers.delete("authorization");
    expect((await exports.default.fetch(req)).status).toBe(401);
    expect(await ledger()).toEqual(before);
  });
});

describe("authorize", () => {
  it("approves tok_visa and none (the customer's saved card), holding the amount", async () => {
    for (const payment_method of ["tok_visa", undefined]) {
      const orderId = uniqueId("order");
      const before = await ledger();
      const res = await authorize(orderId, { amount: 2500, payment_method });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        object: "payment_intent",
        status: "requires_capture",
        amount: 2500,
        amount_capturable: 2500,
        amount_received: 0,
        amount_refunded: 0,
        currency: "usd",
        customer: SHOPPER,
        payment_method: payment_method ?? expect.stringMatching(/^pm_[A-Za-z0-9]{24}$/),
        metadata: { order_id: orderId },
      });
      expect(res.body.id).toMatch(/^pi_[A-Za-z0-9]{24}$/);
      expect(typeof res.body.created).toBe("number");
      const after = await ledger();
      expect(after.totals.authorized_open - before.totals.authorized_open).toBe(2500);
      expect(after.totals.intents - before.totals.intents).toBe(1);
      const [entry] = await entries(orderId);
      expect(entry).toMatchObject({ intent: res.body.id, kind: "authorization", amount: 2500 });
      expect((await call("GET", `/v1/payment_intents/${res.body.id}`)).body).toEqual(res.body);
    }
  });

  it.each([
    ["tok_declined", "generic_decline"],
    ["tok_insufficient_funds", "insufficient_funds"],
  ])("%s: 402 card_declined (%s); the intent is recorded, nothing held", async (method, code) => {
    const orderId = uniqueId("order");
    const before = await ledger();
    const res = await authorize(orderId, { amount: 700, payment_method: method });
    expect(res.status).toBe(402);
    expect(res.body.error).toMatchObject({
      type: "card_error",
      code: "card_declined",
      decline_code: code,
      payment_intent: { status: "requires_payment_method", amount: 700, amount_capturable: 0 },
    });
    expect(res.body.error.message).toBeTruthy();
    const id = res.body.error.payment_intent.id;
    const stored = await call("GET", `/v1/payment_intents/${id}`);
    expect(stored.body).toMatchObject({
      status: "requires_payment_method",
      last_payment_error: { decline_code: code },
    });
    const after = await ledger();
    expect(after.totals.authorized_open).toBe(before.totals.authorized_open);
    expect(after.totals.declines - before.totals.declines).toBe(1);
    expect(after.totals.intents - before.totals.intents).toBe(1);
    expect((await entries(orderId)).map((e) => e.kind)).toEqual(["decline"]);
    // Nothing held, so nothing to capture; giving it up is allowed.
    expect((await capture(id)).status).toBe(400);
    expect((await cancel(id)).body).toMatchObject({ status: "canceled", amount_capturable: 0 });
  });

  it("answers 400 naming the bad fields, and records nothing", async () => {
    const before = await ledger();
    const res = await call("POST", "/v1/payment_intents", {
      amount: 0,
      currency: "eur",
      capture_method: "manual",
      metadata: { order_id: "bad id!" },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.type).toBe("invalid_request_error");
    for (const field of ["amount", "currency", "metadata.order_id"])
      expect(res.body.error.message).toContain(field);
    const extra = await call("POST", "/v1/payment_intents", { amount: 1, confirm: true });
    expect(extra.status).toBe(400);
    const malformed = await exports.default.fetch(
      new Request("http://psp/v1/payment_intents", {
        method: "POST",
        headers: { authorization: "Bearer sk_test_sandbox" },
        body: "{not json",
      }),
    );
    expect(malformed.status).toBe(400);
    expect(await ledger()).toEqual(before);
  });

  it("answers 404 resource_missing for an unknown intent", async () => {
    for (const res of [
      await call("GET", "/v1/payment_intents/pi_nope"),
      await capture("pi_nope"),
      await cancel("pi_nope"),
      await refund("pi_nope"),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error).toMatchObject({
        type: "invalid_request_error",
        code: "resource_missing",
      });
    }
  });
});

describe("saved cards, per customer", () => {
  const charge = (customer: string | null, payment_method?: string) =>
    authorize(uniqueId("order"), { amount: 300, customer, payment_method });

  it("gives each customer one saved card that approves, charged whenever she names no method", async () => {
    const alice = uniqueId("alice");
    const bob = uniqueId("bob");
    const [first, again, hers] = [await charge(alice), await charge(alice), await charge(bob)];
    for (const res of [first, again, hers]) expect(res.status).toBe(200);
    expect(first.body).toMatchObject({ customer: alice, status: "requires_capture" });
    expect(again.body.payment_method).toBe(first.body.payment_method);
    expect(hers.body).toMatchObject({ customer: bob });
    expect(hers.body.payment_method).not.toBe(first.body.payment_method);
    // Her own card, named: the same card, approved.
    const named = await charge(alice, first.body.payment_method);
    expect(named.body).toMatchObject({ status: "requires_capture", customer: alice });
  });

  it("refuses another customer's saved card, or one with no customer, as a card that is not there (400 resource_missing); nothing recorded", async () => {
    const alice = uniqueId("alice");
    const card = (await charge(alice)).body.payment_method;
    const before = await ledger();
    for (const customer of [uniqueId("bob"), null]) {
      const orderId = uniqueId("order");
      const res = await authorize(orderId, { customer, payment_method: card });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        type: "invalid_request_error",
        code: "resource_missing",
        param: "payment_method",
        message: `No such PaymentMethod: '${card}'`,
      });
      expect(await entries(orderId)).toEqual([]);
    }
    expect(await ledger()).toEqual(before);
  });

  it("refuses a token it never issued (tok_bogus, a made-up pm_) as a real processor does: 400 resource_missing, nothing recorded", async () => {
    const before = await ledger();
    for (const payment_method of ["tok_bogus", "pm_card_whatever", "constructor"]) {
      const orderId = uniqueId("order");
      const res = await authorize(orderId, { payment_method });
      expect(res.status).toBe(400);
      expect(res.body.error).toEqual({
        type: "invalid_request_error",
        code: "resource_missing",
        param: "payment_method",
        message: `No such PaymentMethod: '${payment_method}'`,
      });
      expect(await entries(orderId)).toEqual([]);
    }
    expect(await ledger()).toEqual(before);
  });

  it("refuses an authorization that names neither a method nor a customer (400), recording nothing", async () => {
    const before = await ledger();
    const res = await charge(null);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      type: "invalid_request_error",
      param: "payment_method",
    });
    expect(await ledger()).toEqual(before);
  });

  it("refuses a customer id a shop never gives (400 naming customer)", async () => {
    const res = await charge("not a customer!");
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe("customer");
  });
});

describe("state rules", () => {
  it("captures once: the whole hold by default; a second capture is refused (400)", async () => {
    const intent = await held(1500);
    const before = await ledger();
    const first = await capture(intent.id);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      status: "succeeded",
      amount_received: 1500,
      amount_capturable: 0,
    });
    const second = await capture(intent.id);
    expect(second.status).toBe(400);
    expect(second.body.error).toMatchObject({
      type: "invalid_request_error",
      code: "payment_intent_unexpected_state",
    });
    const after = await ledger();
    expect(after.totals.captured - before.totals.captured).toBe(1500);
    expect(after.totals.authorized_open - before.totals.authorized_open).toBe(-1500);
  });

  it("captures part of the hold (the rest is released) but not more than is held", async () => {
    const intent = await held(1000);
    const tooMuch = await capture(intent.id, { amount_to_capture: 1001 });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.error.code).toBe("amount_too_large");
    const part = await capture(intent.id, { amount_to_capture: 600 });
    expect(part.body).toMatchObject({
      status: "succeeded",
      amount_received: 600,
      amount_capturable: 0,
    });
  });

  it("voids a hold; a capture or refund after the void, or a void after a capture, is refused (400)", async () => {
    const voided = await held(800);
    const before = await ledger();
    const res = await cancel(voided.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "canceled", amount_capturable: 0 });
    expect((await ledger()).totals.authorized_open - before.totals.authorized_open).toBe(-800);
    expect((await capture(voided.id)).status).toBe(400);
    expect((await refund(voided.id)).status).toBe(400);
    expect((await cancel(voided.id)).status).toBe(400);

    const captured = await held(800);
    expect((await capture(captured.id)).status).toBe(200);
    const late = await cancel(captured.id);
    expect(late.status).toBe(400);
    expect(late.body.error.code).toBe("payment_intent_unexpected_state");
    expect((await call("GET", `/v1/payment_intents/${captured.id}`)).body.status).toBe("succeeded");
  });

  it("refunds only what was captured: before capture 400, partial refunds add up, then 400", async () => {
    const intent = await held(1000);
    const early = await refund(intent.id, 100);
    expect(early.status).toBe(400);
    expect(early.body.error.code).toBe("payment_intent_unexpected_state");
    await capture(intent.id);

    const before = await ledger();
    const first = await refund(intent.id, 300);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      object: "refund",
      status: "succeeded",
      amount: 300,
      payment_intent: intent.id,
    });
    expect(first.body.id).toMatch(/^re_/);
    const over = await refund(intent.id, 701);
    expect(over.status).toBe(400);
    expect(over.body.error.code).toBe("amount_too_large");
    // No amount: all that is left.
    const rest = await refund(intent.id);
    expect(rest.body.amount).toBe(700);
    const done = await refund(intent.id, 1);
    expect(done.status).toBe(400);
    expect(done.body.error.code).toBe("charge_already_refunded");

    const after = await ledger();
    expect(after.totals.refunded - before.totals.refunded).toBe(1000);
    expect(after.totals.net - before.totals.net).toBe(-1000);
    const now = await call("GET", `/v1/payment_intents/${intent.id}`);
    expect(now.body).toMatchObject({
      status: "succeeded",
      amount_received: 1000,
      amount_refunded: 1000,
    });
  });
});
