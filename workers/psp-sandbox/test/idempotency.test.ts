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
  uniqueId,
} from "./helpers";

describe("Idempotency-Key", () => {
  it("authorize: the same key and body replays the answer; no second intent", async () => {
    const orderId = uniqueId("order");
    const key = uniqueId("key");
    const first = await authorize(orderId, { amount: 1200, key });
    expect(first.status).toBe(200);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const after = await ledger();

    const again = await authorize(orderId, { amount: 1200, key });
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(await ledger()).toEqual(after);
    const recorded = await entries(orderId);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ kind: "authorization", idempotency_key: key });
  });

  it("authorize: a decline is stored under its key too, and replayed", async () => {
    const orderId = uniqueId("order");
    const key = uniqueId("key");
    const first = await authorize(orderId, { payment_method: "tok_declined", key });
    expect(first.status).toBe(402);
    const again = await authorize(orderId, { payment_method: "tok_declined", key });
    expect(again.status).toBe(402);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(await entries(orderId)).toHaveLength(1);
  });

  it("capture: a retry replays the capture instead of a refusal; captured once", async () => {
    const intent = await held(900);
    const key = uniqueId("key");
    const first = await capture(intent.id, {}, key);
    expect(first.status).toBe(200);
    const after = await ledger();
    const again = await capture(intent.id, {}, key);
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(await ledger()).toEqual(after);
    // Without the key it is a new request, and the intent has moved on.
    expect((await capture(intent.id)).status).toBe(400);
    const kinds = (await entries(intent.metadata.order_id)).map((e) => e.kind);
    expect(kinds).toEqual(["authorization", "capture"]);
  });

  it("a refusal (400) is stored under its key: the replay is the refusal, even after the state allows it", async () => {
    const intent = await held(500);
    const key = uniqueId("key");
    await capture(intent.id);
    const refused = await cancel(intent.id, key);
    expect(refused.status).toBe(400);
    const again = await cancel(intent.id, key);
    expect(again.status).toBe(400);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
  });

  it("refund: a retry replays the same refund; refunded once", async () => {
    const intent = await held(1000);
    await capture(intent.id);
    const key = uniqueId("key");
    const first = await refund(intent.id, 400, key);
    expect(first.status).toBe(200);
    const after = await ledger();
    const again = await refund(intent.id, 400, key);
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(await ledger()).toEqual(after);
    const stored = await call("GET", `/v1/payment_intents/${intent.id}`);
    expect(stored.body.amount_refunded).toBe(400);
  });

  it("the same body in another key order is the same request", async () => {
    const orderId = uniqueId("order");
    const key = uniqueId("key");
    const body = {
      amount: 10,
      currency: "usd",
      customer: "shopper",
      capture_method: "manual",
      metadata: { order_id: orderId },
    };
    const reversed = Object.fromEntries(Object.entries(body).reverse());
    const headers = { "idempotency-key": key };
    const first = await call("POST", "/v1/payment_intents", body, headers);
    const again = await call("POST", "/v1/payment_intents", reversed, headers);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.id).toBe(first.body.id);
  });

  it("the same key with another body or path: 400 idempotency_key_in_use, nothing done", async () => {
    const orderId = uniqueId("order");
    const key = uniqueId("key");
    const first = await authorize(orderId, { amount: 100, key });
    const before = await ledger();

    const otherBody = await authorize(orderId, { amount: 101, key });
    expect(otherBody.status).toBe(400);
    expect(otherBody.body.error).toMatchObject({
      type: "idempotency_error",
      code: "idempotency_key_in_use",
    });
    const otherPath = await capture(first.body.id, {}, key);
    expect(otherPath.status).toBe(400);
    expect(otherPath.body.error.code).toBe("idempotency_key_in_use");
    expect(await ledger()).toEqual(before);
    expect((await call("GET", `/v1/payment_intents/${first.body.id}`)).body.status).toBe(
      "requires_capture",
    );
  });

  it("a 400 validation error is not stored: the key works for a good body afterwards", async () => {
    const orderId = uniqueId("order");
    const key = uniqueId("key");
    const bad = await authorize(orderId, { amount: 0, key });
    expect(bad.status).toBe(400);
    const good = await authorize(orderId, { amount: 50, key });
    expect(good.status).toBe(200);
    expect(good.headers.get("idempotent-replayed")).toBeNull();
  });

  it("refuses a key longer than 255 characters", async () => {
    const res = await authorize(uniqueId("order"), { key: "k".repeat(256) });
    expect(res.status).toBe(400);
  });

  it("concurrent requests with one key act once: one intent, every caller the same answer", async () => {
    const orderId = uniqueId("order");
    const key = uniqueId("key");
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => authorize(orderId, { amount: 300, key })),
    );
    const ids = new Set(answers.map((a) => a.body.id));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.headers.get("idempotent-replayed") === "true")).toHaveLength(9);
    expect(await entries(orderId)).toHaveLength(1);
  });
});
