import type { Order } from "@edge-saga/contracts";
import { asCustomer } from "@edge-saga/kit-testing";
import { runBatch } from "@edge-saga/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { pruneExpiredKeys, whileClaimOwned } from "../src/db/idempotency-store";
import { idempotencyKeys, orders } from "../src/db/tables";
import {
  customerKey,
  IN_FLIGHT_TIMEOUT_MS,
  KEY_TTL_MS,
  requestHash,
} from "../src/domain/idempotency";
import { count, db, postJson, published, seedProducts } from "./helpers";

beforeAll(async () => {
  await seedProducts([
    { sku: "book", priceCents: 1200 },
    { sku: "pen", priceCents: 150 },
  ]);
});

const body = (customerId: string, quantity = 1) => ({
  customerId,
  items: [{ sku: "book", quantity }],
  pointsToRedeem: 0,
});
/** The headers of `customerId`'s request with `key`. */
const withKey = (customerId: string, key: string) => ({
  ...asCustomer(customerId),
  "Idempotency-Key": key,
});
const ordersOf = (customerId: string) =>
  count("SELECT COUNT(*) AS n FROM orders WHERE customer_id = ?", customerId);

async function seedKey(
  key: string,
  row: Partial<typeof idempotencyKeys.$inferInsert> & { requestHash: string },
) {
  const now = Date.now();
  await db.insert(idempotencyKeys).values({
    key,
    status: "IN_FLIGHT",
    orderId: "someone-elses-order",
    createdAt: now,
    expiresAt: now + KEY_TTL_MS,
    ...row,
  });
}

describe("Idempotency-Key on POST /orders", () => {
  it("replays the stored answer for the same key and body, creating one order", async () => {
    const first = await postJson("/orders", body("replay"), withKey("replay", "k-replay"));
    expect(first.status).toBe(202);
    expect(first.headers.get("Idempotent-Replayed")).toBeNull();
    const order = await first.json<Order>();

    // Her id left out (hers by default), keys in another order, the default points left out:
    // still the same request.
    const again = await postJson(
      "/orders",
      { items: [{ quantity: 1, sku: "book" }] },
      withKey("replay", "k-replay"),
    );
    expect(again.status).toBe(202);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.headers.get("Location")).toBe(`/orders/${order.id}`);
    expect(await again.json()).toEqual(order);

    expect(await ordersOf("replay")).toBe(1);
    expect(await published({ orderId: order.id, type: "OrderPlaced" })).toHaveLength(1);
  });

  it("refuses the same key with another body with 422 IDEMPOTENCY_KEY_REUSED", async () => {
    expect((await postJson("/orders", body("reuse", 1), withKey("reuse", "k-reuse"))).status).toBe(
      202,
    );
    const other = await postJson("/orders", body("reuse", 2), withKey("reuse", "k-reuse"));
    expect(other.status).toBe(422);
    expect((await other.json<{ error: { code: string } }>()).error.code).toBe(
      "IDEMPOTENCY_KEY_REUSED",
    );
    expect(await ordersOf("reuse")).toBe(1);
  });

  it("keys are per customer: one key from alice and bob is two orders, each replaying her own", async () => {
    const key = "k-shared";
    const alices = await postJson("/orders", body("alice-k", 1), withKey("alice-k", key));
    // Another body under the same key: no 422 for bob, alice's use of it is not his to know.
    const bobs = await postJson("/orders", body("bob-k", 2), withKey("bob-k", key));
    expect([alices.status, bobs.status]).toEqual([202, 202]);
    expect(bobs.headers.get("Idempotent-Replayed")).toBeNull();
    const [alice, bob] = [await alices.json<Order>(), await bobs.json<Order>()];
    expect(bob.id).not.toBe(alice.id);
    expect([alice.customerId, bob.customerId]).toEqual(["alice-k", "bob-k"]);
    expect(await published({ orderId: bob.id, type: "OrderPlaced" })).toHaveLength(1);

    const bobAgain = await postJson("/orders", body("bob-k", 2), withKey("bob-k", key));
    expect(bobAgain.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await bobAgain.json()).toEqual(bob);
    // Her key still holds her request only: her other body is refused, naming just the key.
    const aliceOther = await postJson("/orders", body("alice-k", 2), withKey("alice-k", key));
    expect(aliceOther.status).toBe(422);
    expect(await aliceOther.json()).toMatchObject({
      error: {
        code: "IDEMPOTENCY_KEY_REUSED",
        message: `Idempotency-Key ${key} was used with a different request body`,
      },
    });
    expect([await ordersOf("alice-k"), await ordersOf("bob-k")]).toEqual([1, 1]);
  });

  it("the same key is independent of other keys and of requests without a key", async () => {
    expect((await postJson("/orders", body("indep"), withKey("indep", "k-indep-1"))).status).toBe(
      202,
    );
    expect((await postJson("/orders", body("indep"), withKey("indep", "k-indep-2"))).status).toBe(
      202,
    );
    expect((await postJson("/orders", body("indep"), asCustomer("indep"))).status).toBe(202);
    expect((await postJson("/orders", body("indep"), asCustomer("indep"))).status).toBe(202);
    expect(await ordersOf("indep")).toBe(4);
  });

  it.each([
    ["a space", "has space"],
    ["129 characters", "k".repeat(129)],
    ["a slash", "a/b"],
  ])("refuses a key with %s with 400", async (_name, key) => {
    const response = await postJson("/orders", body("badkey"), withKey("badkey", key));
    expect(response.status).toBe(400);
    const error = (await response.json<{ error: { code: string; details: { path: string }[] } }>())
      .error;
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.details.map((d) => d.path)).toEqual(["idempotency-key"]);
    expect(await ordersOf("badkey")).toBe(0);
  });

  it("concurrent requests with one key create exactly one order; the others wait (409) or replay", async () => {
    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        postJson("/orders", body("concurrent"), withKey("concurrent", "k-concurrent")),
      ),
    );
    const fresh = responses.filter(
      (r) => r.status === 202 && !r.headers.get("Idempotent-Replayed"),
    );
    expect(fresh).toHaveLength(1);
    for (const response of responses) {
      if (response.status === 202) continue;
      expect(response.status).toBe(409);
      expect((await response.json<{ error: { code: string } }>()).error.code).toBe(
        "IDEMPOTENCY_KEY_IN_FLIGHT",
      );
    }
    expect(await ordersOf("concurrent")).toBe(1);
    expect(
      await count(
        'SELECT COUNT(*) AS n FROM outbox WHERE body LIKE \'%"customerId":"concurrent"%\'',
      ),
    ).toBe(1);
  });

  it("answers 409 IDEMPOTENCY_KEY_IN_FLIGHT while the first request still runs", async () => {
    await seedKey(customerKey("running", "k-running"), {
      requestHash: await requestHash(body("running")),
      createdAt: Date.now() - 5_000,
    });
    const response = await postJson("/orders", body("running"), withKey("running", "k-running"));
    expect(response.status).toBe(409);
    expect((await response.json<{ error: { code: string } }>()).error.code).toBe(
      "IDEMPOTENCY_KEY_IN_FLIGHT",
    );
    expect(await ordersOf("running")).toBe(0);
  });

  it("takes over a claim abandoned for more than 60 s and creates the order", async () => {
    await seedKey(customerKey("abandoned", "k-abandoned"), {
      requestHash: await requestHash(body("abandoned")),
      createdAt: Date.now() - IN_FLIGHT_TIMEOUT_MS - 1_000,
    });
    const response = await postJson(
      "/orders",
      body("abandoned"),
      withKey("abandoned", "k-abandoned"),
    );
    expect(response.status).toBe(202);
    const order = await response.json<Order>();
    const stored = await db.select().from(idempotencyKeys).all();
    expect(stored.find((k) => k.key === "abandoned/k-abandoned")).toMatchObject({
      status: "DONE",
      orderId: order.id,
      responseStatus: 202,
    });
    // And the retry after that replays it.
    const retry = await postJson("/orders", body("abandoned"), withKey("abandoned", "k-abandoned"));
    expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await ordersOf("abandoned")).toBe(1);
  });

  it("a request whose claim was taken over cannot commit a second order (database guard)", async () => {
    await seedKey("k-lost", { requestHash: "h", orderId: "the-taker" });
    const now = Date.now();
    const insert = (id: string) =>
      db.insert(orders).values({
        id,
        customerId: "lost",
        status: whileClaimOwned("PENDING", "k-lost", id),
        totalCents: 1,
        pointsRedeemed: 0,
        stockState: "PENDING",
        pointsState: "NOT_NEEDED",
        version: 1,
        createdAt: now,
        updatedAt: now,
      });
    await expect(runBatch(db, [insert("the-stale-owner")])).rejects.toThrow(
      /NOT NULL constraint failed/,
    );
    await runBatch(db, [insert("the-taker")]);
    expect(await ordersOf("lost")).toBe(1);
  });

  it("frees the key when the request fails validation, so a corrected retry succeeds", async () => {
    const wrong = await postJson(
      "/orders",
      { customerId: "fixer", items: [{ sku: "no-such-thing", quantity: 1 }] },
      withKey("fixer", "k-fix"),
    );
    expect(wrong.status).toBe(422);
    expect(
      await count("SELECT COUNT(*) AS n FROM idempotency_keys WHERE key = 'fixer/k-fix'"),
    ).toBe(0);
    const tooManyPoints = await postJson(
      "/orders",
      { customerId: "fixer", items: [{ sku: "pen", quantity: 1 }], pointsToRedeem: 151 },
      withKey("fixer", "k-fix"),
    );
    expect(tooManyPoints.status).toBe(422);
    const fixed = await postJson(
      "/orders",
      { customerId: "fixer", items: [{ sku: "pen", quantity: 1 }] },
      withKey("fixer", "k-fix"),
    );
    expect(fixed.status).toBe(202);
    expect(fixed.headers.get("Idempotent-Replayed")).toBeNull();
    expect(await ordersOf("fixer")).toBe(1);
  });

  it("keeps keys 24 h: an expired key is a fresh key", async () => {
    await seedKey(customerKey("expired", "k-expired"), {
      requestHash: "an older request",
      status: "DONE",
      responseStatus: 202,
      responseBody: "{}",
      createdAt: Date.now() - KEY_TTL_MS - 1_000,
      expiresAt: Date.now() - 1_000,
    });
    const response = await postJson("/orders", body("expired"), withKey("expired", "k-expired"));
    expect(response.status).toBe(202);
    expect(response.headers.get("Idempotent-Replayed")).toBeNull();
    expect(await ordersOf("expired")).toBe(1);
    const [row] = await db
      .select()
      .from(idempotencyKeys)
      .all()
      .then((r) => r.filter((k) => k.key === "expired/k-expired"));
    expect(row?.expiresAt).toBeGreaterThan(Date.now() + KEY_TTL_MS - 60_000);
  });

  it("the cron prunes expired keys only", async () => {
    await seedKey("k-old", { requestHash: "h", expiresAt: 1_000 });
    await seedKey("k-young", { requestHash: "h", expiresAt: Date.now() + 10_000 });
    const pruned = await pruneExpiredKeys((await import("cloudflare:workers")).env.DB);
    expect(pruned).toBeGreaterThanOrEqual(1);
    expect(await count("SELECT COUNT(*) AS n FROM idempotency_keys WHERE key = 'k-old'")).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM idempotency_keys WHERE key = 'k-young'")).toBe(1);
  });
});
