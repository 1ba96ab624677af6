import { env } from "cloudflare:workers";
import { createHash } from "node:crypto";
import { CALLER_HEADER } from "@edge-saga/shared";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { CLOCK_SKEW_SECONDS } from "../src/auth/access-token";
import {
  ADMIN,
  asCustomer,
  CUSTOMER,
  call,
  callWith,
  devIssuerKey,
  type Echo,
  errorCode,
  everyServiceRecorded,
  JSON_TYPE,
  recordingService,
  tokenFor,
} from "./helpers";

const now = () => Math.floor(Date.now() / 1000);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A key the gateway does not trust, under the dev issuer's own kid. */
let strangerKey: JWK;
beforeAll(async () => {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  strangerKey = { ...(await exportJWK(privateKey)), kid: devIssuerKey().kid };
});

/** Each way a customer's credentials can be wrong, and what the challenge then says. */
const refusals: [string, () => Promise<Record<string, string>>, RegExp][] = [
  ["no token", async () => ({}), /^Bearer realm="edge-saga"$/],
  [
    "a non-Bearer scheme",
    async () => ({ authorization: "Basic YWxpY2U6eA==" }),
    /^Bearer realm="edge-saga"$/,
  ],
  ["a malformed token", async () => bearer("not.a.jwt"), /error="invalid_token"/],
  ["a wrong admin token", async () => bearer("test-admin-token-"), /error="invalid_token"/],
  [
    "a bad signature (another key)",
    async () => bearer(await tokenFor("c1", { key: strangerKey })),
    /signature/,
  ],
  [
    "an unknown kid",
    async () => bearer(await tokenFor("c1", { header: { kid: "gone" } })),
    /unknown key/,
  ],
  [
    "another issuer",
    async () => bearer(await tokenFor("c1", { claims: { iss: "https://evil.test/" } })),
    /issuer/,
  ],
  [
    "another audience",
    async () => bearer(await tokenFor("c1", { claims: { aud: "another-api" } })),
    /audience/,
  ],
  [
    "an expired token",
    async () => bearer(await tokenFor("c1", { claims: { exp: now() - CLOCK_SKEW_SECONDS - 10 } })),
    /expired/,
  ],
  [
    "a token not valid yet (nbf)",
    async () => bearer(await tokenFor("c1", { claims: { nbf: now() + CLOCK_SKEW_SECONDS + 60 } })),
    /not valid yet/,
  ],
  ['a token for sub "me"', async () => bearer(await tokenFor("me")), /subject/],
];

/** Customer routes, each as a client calls it. */
const customerCalls: [string, string, string?][] = [
  ["POST", "/orders", '{"items":[{"sku":"s1","quantity":1}]}'],
  ["GET", "/orders"],
  ["GET", "/orders/o1"],
  ["GET", "/orders/o1/history"],
  ["GET", "/orders/o1/payment"],
  ["GET", "/orders/o1/trace"],
  ["POST", "/orders/o1/cancel"],
  ["GET", "/customers/c1/orders"],
  ["GET", "/customers/me/rewards"],
  ["GET", "/customers/c1/rewards/ledger"],
  ["GET", "/customers/c1/rewards/history"],
];

const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
  new Request(`https://gateway.test${path}`, {
    method,
    headers: { ...headers, ...(body ? JSON_TYPE : {}) },
    body,
  });

describe("customer routes refuse a caller without valid credentials (401), before any service", () => {
  it.each(refusals)(
    "%s -> 401 UNAUTHENTICATED with its challenge",
    async (_, credentials, challenge) => {
      const headers = await credentials();
      for (const [method, path, body] of customerCalls) {
        const { seen, bindings } = everyServiceRecorded();
        const res = await callWith(bindings, send(method, path, headers, body));
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(res.headers.get("www-authenticate"), `${method} ${path}`).toMatch(challenge);
        expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="edge-saga"/);
        // The API's error shape, and nothing else: no stack, no library message, no key.
        const answer = (await res.json()) as { error: Record<string, unknown> };
        expect(Object.keys(answer)).toEqual(["error"]);
        expect(Object.keys(answer.error).sort()).toEqual(["code", "message"]);
        expect(answer.error.code).toBe("UNAUTHENTICATED");
        expect(String(answer.error.message)).not.toMatch(/jose|JWS|JWK|Error:|at /);
        expect(seen, `${method} ${path} reached a service`).toEqual([]);
      }
    },
  );

  it("answers no token without an error attribute (RFC 6750 section 3) and a bad one with invalid_token", async () => {
    const bare = await call("/orders/o1");
    expect(bare.headers.get("www-authenticate")).toBe('Bearer realm="edge-saga"');
    const bad = await call("/orders/o1", { headers: bearer("x") });
    expect(bad.headers.get("www-authenticate")).toBe(
      'Bearer realm="edge-saga", error="invalid_token", error_description="the token is malformed"',
    );
  });

  it("checks the caller before the body and the ids (nothing to probe without a token)", async () => {
    expect((await call("/orders/a%2Fb")).status).toBe(401);
    const junk = await call("/orders", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "x",
    });
    expect(junk.status).toBe(401);
  });
});

describe("who the services hear about (CALLER_HEADER)", () => {
  // The admin, named by the token's fingerprint (audit trails), never by the token itself.
  const asAdminHeader = `admin:${createHash("sha256").update("test-admin-token").digest("hex").slice(0, 12)}`;
  it("forwards the verified customer on every customer route, and the admin as admin", async () => {
    for (const [method, path, body] of customerCalls) {
      const asAlice = await callWith({}, send(method, path, await asCustomer("alice"), body));
      const what = `${method} ${path}`;
      if (path.startsWith("/customers/c1")) {
        expect(asAlice.status, what).toBe(403);
        continue;
      }
      expect(asAlice.status, what).toBe(200);
      expect(((await asAlice.json()) as Echo).headers[CALLER_HEADER], what).toBe("customer:alice");
      const asAdmin = await callWith({}, send(method, path.replace("/me/", "/c1/"), ADMIN, body));
      expect(asAdmin.status, what).toBe(200);
      expect(((await asAdmin.json()) as Echo).headers[CALLER_HEADER], what).toBe(asAdminHeader);
    }
  });

  it("forwards the admin as admin on admin-only routes too", async () => {
    for (const [method, path] of [
      ["PUT", "/products/sku-1"],
      ["POST", "/admin/order/replay"],
      ["GET", "/admin/view/projection"],
    ] as const) {
      const res = await call(path, {
        method,
        headers: { ...ADMIN, ...JSON_TYPE, [CALLER_HEADER]: "customer:mallory" },
        body: method === "GET" ? undefined : "{}",
      });
      expect(res.status, path).toBe(200);
      expect(((await res.json()) as Echo).headers[CALLER_HEADER], path).toBe(asAdminHeader);
    }
  });

  it("never passes on a caller header the client sent, nor the Authorization", async () => {
    const forged = { [CALLER_HEADER]: "admin" };
    const res = await call("/orders/o1", { headers: { ...CUSTOMER, ...forged } });
    const echo = (await res.json()) as Echo;
    expect(echo.headers[CALLER_HEADER]).toBe("customer:c1");
    expect(echo.headers.authorization).toBeUndefined();
    // On a public route there is no caller: the forged one is dropped, none is made up.
    const open = (await (await call("/products", { headers: forged })).json()) as Echo;
    expect(open.headers[CALLER_HEADER]).toBeUndefined();
  });

  it("sends the caller on the gateway's own call for a payment not yet known to the payment service", async () => {
    const payment = recordingService(404);
    const order = {
      fetch: async (input: RequestInfo, init?: RequestInit) => {
        const request = new Request(input, init);
        orderCalls.push(request.headers.get(CALLER_HEADER));
        return Response.json({ totalCents: 500, pointsRedeemed: 0 });
      },
    } as unknown as Fetcher;
    const orderCalls: (string | null)[] = [];
    const res = await callWith(
      { PAYMENT: payment.service, ORDER: order },
      send("GET", "/orders/o1/payment", await asCustomer("alice")),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ orderId: "o1", status: "PENDING", amountCents: 500 });
    expect(payment.seen[0]?.headers[CALLER_HEADER]).toBe("customer:alice");
    expect(orderCalls).toEqual(["customer:alice"]);
  });
});

describe("admin and customer credentials are not interchangeable", () => {
  it.each<[string, string, string?]>([
    ["PUT", "/products/sku-1", "{}"],
    ["POST", "/customers/c1/rewards/grants", '{"points":1}'],
    ["POST", "/customers/me/rewards/grants", '{"points":1}'],
    ["GET", "/admin/outbox"],
    ["POST", "/admin/order/dead-letters/d1/replay"],
  ])(
    "a customer's valid token on admin-only %s %s -> 403, no service called",
    async (method, path, body) => {
      const { seen, bindings } = everyServiceRecorded();
      const res = await callWith(bindings, send(method, path, CUSTOMER, body));
      expect(res.status).toBe(403);
      expect(await errorCode(res)).toBe("FORBIDDEN");
      expect(seen).toEqual([]);
    },
  );

  it("the admin token works on customer routes; with no ADMIN_TOKEN configured it is just a bad token", async () => {
    expect((await call("/orders/o1", { headers: ADMIN })).status).toBe(200);
    const res = await callWith(
      { ADMIN_TOKEN: undefined },
      send("GET", "/orders/o1", bearer("test-admin-token")),
    );
    expect(res.status).toBe(401);
    expect(await errorCode(res)).toBe("UNAUTHENTICATED");
  });
});

describe("/customers/{id}/...: the caller's own account", () => {
  it("resolves `me` to the caller's id before forwarding", async () => {
    for (const [path, service, servicePath] of [
      ["/customers/me/rewards", "rewards", "/customers/alice/rewards"],
      ["/customers/me/rewards/ledger?limit=5", "rewards", "/customers/alice/rewards/ledger"],
      ["/customers/me/rewards/history", "rewards", "/customers/alice/rewards/history"],
      ["/customers/me/orders", "view", "/customers/alice/orders"],
      ["/customers/alice/orders", "view", "/customers/alice/orders"],
    ] as const) {
      const res = await call(path, { headers: await asCustomer("alice") });
      expect(res.status, path).toBe(200);
      const echo = (await res.json()) as Echo;
      expect(echo, path).toMatchObject({ service, path: servicePath });
      expect(echo.search).toBe(new URL(path, "https://x").search);
    }
  });

  it("refuses another customer's id with 403 FORBIDDEN at the gateway, before any service", async () => {
    const { seen, bindings } = everyServiceRecorded();
    for (const path of [
      "/customers/bob/rewards",
      "/customers/bob/rewards/ledger",
      "/customers/bob/rewards/history",
      "/customers/bob/orders",
    ]) {
      const res = await callWith(bindings, send("GET", path, await asCustomer("alice")));
      expect(res.status, path).toBe(403);
      expect(await errorCode(res)).toBe("FORBIDDEN");
    }
    expect(seen).toEqual([]);
  });

  it("lets an admin read any customer, but not `me` (an admin has no account): 400", async () => {
    const res = await call("/customers/bob/rewards", { headers: ADMIN });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Echo).path).toBe("/customers/bob/rewards");
    const { seen, bindings } = everyServiceRecorded();
    const me = await callWith(bindings, send("GET", "/customers/me/rewards", ADMIN));
    expect(me.status).toBe(400);
    expect(await errorCode(me)).toBe("VALIDATION_FAILED");
    expect(seen).toEqual([]);
  });

  it("keeps grants for admins, at the named customer's real path", async () => {
    const res = await call("/customers/bob/rewards/grants", {
      method: "POST",
      headers: { ...ADMIN, ...JSON_TYPE },
      body: '{"points":5}',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ path: "/customers/bob/rewards/grants" });
  });
});

it("the configured audience is the contract's default", () => {
  expect(env.AUTH_AUDIENCE).toBe("edge-saga-api");
});
