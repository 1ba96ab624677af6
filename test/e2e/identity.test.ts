import type { ErrorBody, Order } from "@edge-saga/contracts";
import { decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, SignJWT } from "jose";
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { DevToken, RawAnswer } from "../../scripts/lib/api-client";
import { api } from "./support/api";
import { Scenario, uniqueId } from "./support/scenario";
import { poll, waitForOrder } from "./support/wait";

/**
 * Customers sign in (issue 23), through the public API only: alice's token acts for alice and
 * nobody else. Bob's token on alice's orders finds nothing (404) and on her account is refused
 * (403); no token, an expired one, one signed by another key, for another audience or from
 * another issuer is 401 with `WWW-Authenticate: Bearer`. After every refused call alice's orders,
 * the stock, her points and her order's payment are as they were.
 */

const DEV_ISSUER = "urn:edge-saga:dev-issuer";
const AUDIENCE = "edge-saga-api";
/** The stack's own dev issuer key: tokens it signs but the dev issuer never would. */
const stackKey = inject("devIssuerKey");

const code = (answer: RawAnswer) => (answer.body as Partial<ErrorBody> | null)?.error?.code;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A token signed with `key` (the stack's own unless told), valid unless the claims say otherwise. */
async function mint(
  sub: string,
  claims: { exp?: number; aud?: string; iss?: string; kid?: string },
  key?: { kid: string } & Record<string, unknown>,
) {
  const signing = key ?? (JSON.parse(stackKey as string) as { kid: string });
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: "ES256", typ: "JWT", kid: claims.kid ?? signing.kid })
    .setSubject(sub)
    .setIssuer(claims.iss ?? DEV_ISSUER)
    .setAudience(claims.aud ?? AUDIENCE)
    .setIssuedAt(now - 7_200)
    .setExpirationTime(claims.exp ?? now + 600)
    .sign(await importJWK(signing, "ES256"));
}

describe("identity: every customer route acts only for the customer who called it", () => {
  const s = new Scenario("identity");
  const alice = s.customer("alice");
  const bob = s.customer("bob");
  let sku: string;
  let confirmed: Order;
  let aliceToken: string;

  /** What a refused call must leave as it was. */
  const snapshot = async () => ({
    orders: (await api.listOrders(alice)).map((o) => ({
      id: o.id,
      status: o.status,
      v: o.updatedAt,
    })),
    stock: await api.getProduct(sku),
    rewards: await api.getRewards(alice),
    ledger: (await api.getLedger(alice)).length,
    payment: await api.getPayment(confirmed.id),
  });
  let before: Awaited<ReturnType<typeof snapshot>>;
  /** Asserts nothing changed since `before` (taken once alice's order is settled). */
  const unchanged = async () => expect(await snapshot()).toEqual(before);

  beforeAll(async () => {
    sku = await s.product({ priceCents: 2_000, stock: 10 });
    await s.grant(alice, 500);
    await s.settle();
    confirmed = await s.placeOrder({
      customerId: alice,
      items: [{ sku, quantity: 1 }],
      pointsToRedeem: 100,
    });
    await waitForOrder(confirmed.id, "CONFIRMED");
    await poll(
      async () => ((await api.getPayment(confirmed.id)).status === "CAPTURED" ? true : undefined),
      {
        what: "alice's card to be captured",
      },
    );
    aliceToken = await api.accessToken(alice);
    // The saga's last steps (points awarded) done: from here only a refused call could change it.
    await s.settle();
    before = await snapshot();
  }, 120_000);

  it("signs alice in at POST /auth/dev/token, with a key its JWKS lists", async () => {
    const answer = await api.expect<DevToken>(200, "POST", "/auth/dev/token", {
      body: { customerId: alice },
    });
    expect(answer.body).toMatchObject({ tokenType: "Bearer", expiresIn: 3600 });
    const { kid, alg } = decodeProtectedHeader(answer.body.accessToken);
    expect(alg).toBe("ES256");
    const jwks = await api.expect<{ keys: { kid: string; d?: string }[] }>(
      200,
      "GET",
      "/.well-known/jwks.json",
    );
    expect(jwks.body.keys.map((k) => k.kid)).toContain(kid);
    // Public keys only.
    for (const key of jwks.body.keys) expect(key.d).toBeUndefined();
  });

  it("lets alice read, list and follow her own order", async () => {
    const as = { as: alice };
    const read = await api.expect<Order>(200, "GET", `/orders/${confirmed.id}`, as);
    expect(read.body).toMatchObject({ id: confirmed.id, customerId: alice, status: "CONFIRMED" });
    // The caller's own orders, with or without naming her.
    for (const query of ["", `?customerId=${alice}`]) {
      const list = await api.expect<{ orders: Order[] }>(200, "GET", `/orders${query}`, as);
      expect(list.body.orders.map((o) => o.id)).toContain(confirmed.id);
    }
    for (const part of ["payment", "history", "trace"])
      await api.expect(200, "GET", `/orders/${confirmed.id}/${part}`, as);
    const view = await api.expect<{ orders: Order[] }>(
      200,
      "GET",
      `/customers/${alice}/orders`,
      as,
    );
    expect(view.body.orders.map((o) => o.id)).toContain(confirmed.id);
    await api.expect(200, "GET", `/customers/${alice}/rewards/ledger`, as);
    // `me` is the caller.
    const mine = await api.expect(200, "GET", "/customers/me/rewards", as);
    expect(mine.body).toEqual(await api.getRewards(alice));
    expect(mine.body).toMatchObject({ customerId: alice });
  });

  it("finds none of alice's orders for bob (404, as for an order that does not exist)", async () => {
    const missing = uniqueId("no-order");
    for (const [method, part] of [
      ["GET", ""],
      ["GET", "/payment"],
      ["GET", "/history"],
      ["GET", "/trace"],
      ["POST", "/cancel"],
    ] as const) {
      const what = `${method} /orders/{alice's}${part}`;
      const answer = await api.request(method, `/orders/${confirmed.id}${part}`, { as: bob });
      // Told apart from an order that does not exist by nothing but the id.
      const nowhere = await api.request(method, `/orders/${missing}${part}`, { as: bob });
      expect(answer.status, what).toBe(404);
      expect(nowhere.status, what).toBe(404);
      expect(code(answer), what).toBe(code(nowhere));
      expect(JSON.stringify(answer.body).replaceAll(confirmed.id, missing), what).toBe(
        JSON.stringify(nowhere.body),
      );
      expect(JSON.stringify(answer.body), what).not.toContain(alice);
    }
    // Bob's own list does not show it either.
    const list = await api.expect<{ orders: Order[] }>(200, "GET", "/orders", { as: bob });
    expect(list.body.orders).toEqual([]);
    await unchanged();
  });

  it("refuses bob alice's account and acting in her name (403)", async () => {
    for (const path of [
      `/customers/${alice}/rewards`,
      `/customers/${alice}/rewards/ledger`,
      `/customers/${alice}/orders`,
      `/orders?customerId=${alice}`,
    ]) {
      const answer = await api.request("GET", path, { as: bob });
      expect(answer.status, path).toBe(403);
      expect(code(answer), path).toBe("FORBIDDEN");
    }
    // An order in alice's name, spending her points and her saved card.
    const spend = await api.placeOrder(
      { customerId: alice, items: [{ sku, quantity: 1 }], pointsToRedeem: 400 },
      { as: bob, idempotencyKey: uniqueId("steal") },
    );
    expect(spend.status).toBe(403);
    expect(code(spend)).toBe("FORBIDDEN");
    await unchanged();
  });

  describe("refuses a call without a valid token (401, WWW-Authenticate: Bearer)", () => {
    const orderCalls = () => [
      ["GET", `/orders/${confirmed.id}`],
      ["GET", `/orders/${confirmed.id}/payment`],
      ["GET", `/orders/${confirmed.id}/history`],
      ["GET", `/orders/${confirmed.id}/trace`],
      ["POST", `/orders/${confirmed.id}/cancel`],
      ["GET", `/orders?customerId=${alice}`],
      ["GET", `/customers/${alice}/rewards`],
      ["GET", `/customers/${alice}/rewards/ledger`],
      ["GET", `/customers/${alice}/orders`],
      ["GET", "/customers/me/rewards"],
    ];
    const placeAsAlice = () => ({
      customerId: alice,
      items: [{ sku, quantity: 1 }],
      pointsToRedeem: 100,
    });

    /** Every customer route with `headers`: 401 and the challenge, and nothing changed. */
    async function refusedEverywhere(headers: Record<string, string>, presented: boolean) {
      const calls = [...orderCalls(), ["POST", "/orders"]];
      for (const [method, path] of calls as [string, string][]) {
        const body = path === "/orders" && method === "POST" ? placeAsAlice() : undefined;
        const answer = await api.request(method, path, {
          headers: { ...headers, ...(body ? { "idempotency-key": uniqueId("k") } : {}) },
          body,
        });
        const what = `${method} ${path}`;
        expect(answer.status, what).toBe(401);
        expect(code(answer), what).toBe("UNAUTHENTICATED");
        const challenge = answer.headers.get("www-authenticate") ?? "";
        expect(challenge, what).toMatch(/^Bearer\b/);
        // RFC 6750: a token was presented and was not good.
        if (presented) expect(challenge, what).toMatch(/error="invalid_token"/);
      }
      await unchanged();
    }

    it("no token", async () => {
      await refusedEverywhere({}, false);
    });

    it("a malformed token, and alice's with its signature changed", async () => {
      await refusedEverywhere(bearer("not-a-jwt"), true);
      await refusedEverywhere(bearer(`${aliceToken.slice(0, -4)}AAAA`), true);
    });

    it("a token signed by another key, under the dev issuer's kid", async () => {
      const { privateKey } = await generateKeyPair("ES256", { extractable: true });
      const other = {
        ...(await exportJWK(privateKey)),
        kid: decodeProtectedHeader(aliceToken).kid,
      };
      await refusedEverywhere(bearer(await mint(alice, {}, other as { kid: string })), true);
    });

    it.skipIf(!stackKey)("an expired one, one for another audience or another issuer", async () => {
      // Made with the stack's own key: only the claim named is wrong.
      const valid = await mint(alice, {});
      expect(
        (await api.request("GET", "/customers/me/rewards", { headers: bearer(valid) })).status,
      ).toBe(200);
      const expired = await mint(alice, { exp: Math.floor(Date.now() / 1000) - 600 });
      await refusedEverywhere(bearer(expired), true);
      await refusedEverywhere(bearer(await mint(alice, { aud: "another-api" })), true);
      await refusedEverywhere(bearer(await mint(alice, { iss: "https://idp.example" })), true);
      await refusedEverywhere(bearer(await mint(alice, { kid: "no-such-kid" })), true);
    });
  });

  it("scopes Idempotency-Keys per customer: one key from alice and from bob makes two orders", async () => {
    const key = uniqueId("shared-key");
    const items = [{ sku, quantity: 1 }];
    const fromAlice = await s.placeOrder({ customerId: alice, items }, { idempotencyKey: key });
    const fromBob = await s.placeOrder({ customerId: bob, items }, { idempotencyKey: key });
    expect(fromBob.id).not.toBe(fromAlice.id);
    expect(fromAlice.customerId).toBe(alice);
    expect(fromBob.customerId).toBe(bob);
    // And the key is still alice's for alice: a replay, not bob's order.
    const again = await api.placeOrder({ customerId: alice, items }, { idempotencyKey: key });
    expect(again.status).toBe(202);
    expect((again.body as Order).id).toBe(fromAlice.id);
    for (const order of [fromAlice, fromBob]) await waitForOrder(order.id, "CONFIRMED");
  }, 60_000);

  it("lets alice cancel her order: restocked, points back, card refunded", async () => {
    const cancel = await api.request("POST", `/orders/${confirmed.id}/cancel`, { as: alice });
    expect(cancel.status).toBe(202);
    await waitForOrder(confirmed.id, "CANCELLED");
    await poll(
      async () => ((await api.getPayment(confirmed.id)).status === "REFUNDED" ? true : undefined),
      {
        what: "alice's card to be refunded",
      },
    );
    await s.check();
  }, 60_000);
});
