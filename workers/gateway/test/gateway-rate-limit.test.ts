import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ORDER_RATE_LIMIT_PERIOD_SECONDS, UNKNOWN_CLIENT } from "../src/middleware/rate-limit";
import {
  ADMIN,
  asCustomer,
  CUSTOMER,
  call,
  callWith,
  type Echo,
  errorCode,
  JSON_TYPE,
  recordingService,
} from "./helpers";

/** The limit configured in the root wrangler.toml (`[[ratelimits]] ORDER_RATE_LIMITER`). */
const CONFIGURED_LIMIT = 600;
const ORDER = JSON.stringify({ customerId: "c1", items: [{ sku: "s1", quantity: 1 }] });

const placeOrder = (ip?: string, as: Record<string, string> = CUSTOMER, body: string = ORDER) =>
  call("/orders", {
    method: "POST",
    headers: { ...as, ...JSON_TYPE, ...(ip ? { "cf-connecting-ip": ip } : {}) },
    body,
  });

const random16 = () => Math.floor(Math.random() * 0xffff).toString(16);
/** A client /64 no other test (or run of this one) uses: its bucket starts empty. */
const freshIp = () => `2001:db8:${random16()}:${random16()}::${random16()}`;
/** A customer no other test uses. */
const freshCustomer = () => `rl-${crypto.randomUUID()}`;
/** The client bucket of a freshIp(): its /64. */
const bucketOf = (ip: string) => `client:${ip.split("::")[0]}::/64`;

/**
 * The local limiter counts in fixed windows aligned to the period: a run that crossed a window
 * boundary would start from zero half way. Start right after a boundary when one is near.
 */
async function awayFromWindowEdge(seconds: number) {
  const periodMs = ORDER_RATE_LIMIT_PERIOD_SECONDS * 1000;
  const left = periodMs - (Date.now() % periodMs);
  if (left < seconds * 1000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

/** A stand-in limiter: records the keys it was asked about and answers `allow`. */
function fakeLimiter(allow: boolean | "throw") {
  const keys: string[] = [];
  const limiter = {
    limit: async ({ key }: { key: string }) => {
      keys.push(key);
      if (allow === "throw") throw new Error("rate limiter unavailable");
      return { success: allow };
    },
  };
  return { keys, limiter };
}

/** An order service that counts the requests it got. */
function countingOrderService() {
  const recorder = recordingService(202);
  return {
    service: recorder.service,
    get seen() {
      return recorder.seen.map(({ method, path }) => `${method} ${path}`);
    },
  };
}

const request = (path: string, init: RequestInit = {}) =>
  new Request(`https://gateway.test${path}`, init);

describe("rate limit on POST /orders (the configured binding)", () => {
  it(`lets ${CONFIGURED_LIMIT} orders a minute through per client, answers the next with 429 + Retry-After, and limits nothing else`, async () => {
    await awayFromWindowEdge(3);
    const ip = freshIp();
    // Use up all but one of the client's quota on the binding itself (600 gateway round trips
    // would take half a minute here), then the gateway must let exactly one more order through.
    for (let used = 0; used < CONFIGURED_LIMIT - 1; used += 1) {
      expect((await env.ORDER_RATE_LIMITER.limit({ key: bucketOf(ip) })).success).toBe(true);
    }
    const last = await placeOrder(ip);
    expect(last.status).toBe(200);
    expect(((await last.json()) as Echo).path).toBe("/orders");

    const limited = await placeOrder(ip);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe(String(ORDER_RATE_LIMIT_PERIOD_SECONDS));
    expect(limited.headers.get("x-request-id")).toBeTruthy();
    const body = (await limited.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("RATE_LIMITED");
    expect(body.error.message).toMatch(/retry/i);
    // Still limited (every attempt counts, including the refused ones).
    expect((await placeOrder(ip)).status).toBe(429);

    // Another address of the same /64 is the same client.
    expect((await placeOrder(ip.replace(/::[0-9a-f]+$/, "::abcd"))).status).toBe(429);
    // Per client: another address is not affected.
    expect((await placeOrder(freshIp())).status).toBe(200);

    // Only POST /orders is limited: the same client can still read, cancel and administer.
    const others: Array<[string, RequestInit]> = [
      ["/orders?customerId=c1", {}],
      ["/orders/o1", {}],
      ["/orders/o1/history", {}],
      ["/orders/o1/cancel", { method: "POST" }],
      ["/products", {}],
      ["/products/s1", {}],
      [
        "/products/s1",
        { method: "PUT", headers: { ...ADMIN, ...JSON_TYPE }, body: '{"name":"n"}' },
      ],
      ["/customers/c1/rewards", {}],
      [
        "/customers/c1/rewards/grants",
        { method: "POST", headers: { ...ADMIN, ...JSON_TYPE }, body: '{"points":1}' },
      ],
      ["/admin/order/outbox", { headers: ADMIN }],
    ];
    for (const [path, init] of others) {
      const res = await call(path, {
        ...init,
        headers: {
          ...CUSTOMER,
          ...(init.headers as Record<string, string>),
          "cf-connecting-ip": ip,
        },
      });
      expect(res.status, `${init.method ?? "GET"} ${path}`).toBe(200);
    }
  }, 10_000);

  it(`limits each customer to ${CONFIGURED_LIMIT} orders a minute, whatever address she uses`, async () => {
    await awayFromWindowEdge(3);
    const customer = freshCustomer();
    const as = await asCustomer(customer);
    for (let used = 0; used < CONFIGURED_LIMIT - 1; used += 1) {
      expect((await env.ORDER_RATE_LIMITER.limit({ key: `customer:${customer}` })).success).toBe(
        true,
      );
    }
    expect((await placeOrder(freshIp(), as)).status).toBe(200);
    const limited = await placeOrder(freshIp(), as);
    expect(limited.status).toBe(429);
    expect(await errorCode(limited)).toBe("RATE_LIMITED");
    // Another customer is not affected, nor is an admin acting for this one.
    expect((await placeOrder(freshIp(), await asCustomer(freshCustomer()))).status).toBe(200);
    expect((await placeOrder(freshIp(), ADMIN)).status).toBe(200);
  }, 10_000);
});

describe("rate limit on POST /orders (how it asks the binding)", () => {
  it("keys by CF-Connecting-IP (one constant key without it) and by the verified customer", async () => {
    const { keys, limiter } = fakeLimiter(true);
    const headers = { ...CUSTOMER, ...JSON_TYPE, "cf-connecting-ip": "203.0.113.9" };
    const withIp = await callWith(
      { ORDER_RATE_LIMITER: limiter },
      request("/orders", { method: "POST", headers, body: ORDER }),
    );
    expect(withIp.status).toBe(200);
    expect(((await withIp.json()) as Echo).path).toBe("/orders");
    const withoutIp = await callWith(
      { ORDER_RATE_LIMITER: limiter },
      request("/orders", { method: "POST", headers: { ...ADMIN, ...JSON_TYPE }, body: ORDER }),
    );
    expect(withoutIp.status).toBe(200);
    // A body's customerId is never a key (it could be varied at will); an admin has none.
    expect(keys).toEqual(["client:203.0.113.9", "customer:c1", `client:${UNKNOWN_CLIENT}`]);
  });

  it("refuses when either key is over its limit", async () => {
    for (const refused of ["client:203.0.113.11", "customer:c1"]) {
      const limiter = { limit: async ({ key }: { key: string }) => ({ success: key !== refused }) };
      const order = countingOrderService();
      const res = await callWith(
        { ORDER_RATE_LIMITER: limiter, ORDER: order.service },
        request("/orders", {
          method: "POST",
          headers: { ...CUSTOMER, ...JSON_TYPE, "cf-connecting-ip": "203.0.113.11" },
          body: ORDER,
        }),
      );
      expect(res.status, refused).toBe(429);
      expect(order.seen).toEqual([]);
    }
  });

  it("authenticates first: a refused caller is 401 and counts against no bucket", async () => {
    const { keys, limiter } = fakeLimiter(true);
    const res = await callWith(
      { ORDER_RATE_LIMITER: limiter },
      request("/orders", { method: "POST", headers: JSON_TYPE, body: ORDER }),
    );
    expect(res.status).toBe(401);
    expect(keys).toEqual([]);
  });

  it("never reaches the order service when limited, and checks before reading the body", async () => {
    const { keys, limiter } = fakeLimiter(false);
    const order = countingOrderService();
    const overrides = { ORDER_RATE_LIMITER: limiter, ORDER: order.service };
    const headers = { ...CUSTOMER, ...JSON_TYPE, "cf-connecting-ip": "203.0.113.10" };
    const valid = await callWith(
      overrides,
      request("/orders", { method: "POST", headers, body: ORDER }),
    );
    expect(valid.status).toBe(429);
    expect(await errorCode(valid)).toBe("RATE_LIMITED");
    // A flood of junk is refused as cheaply: no 400/413/415 work is done for it.
    const junk = await callWith(
      overrides,
      request("/orders", {
        method: "POST",
        headers: { ...CUSTOMER, "content-type": "text/plain", "cf-connecting-ip": "203.0.113.10" },
        body: "x".repeat(100_000),
      }),
    );
    expect(junk.status).toBe(429);
    expect(order.seen).toEqual([]);
    expect(keys).toEqual([
      "client:203.0.113.10",
      "customer:c1",
      "client:203.0.113.10",
      "customer:c1",
    ]);
  });

  it("asks the limiter about POST /orders only", async () => {
    const { keys, limiter } = fakeLimiter(false);
    const order = countingOrderService();
    const overrides = { ORDER_RATE_LIMITER: limiter, ORDER: order.service };
    for (const [path, method] of [
      ["/orders?customerId=c1", "GET"],
      ["/orders/o1", "GET"],
      ["/orders/o1/cancel", "POST"],
    ] as const) {
      const res = await callWith(overrides, request(path, { method, headers: CUSTOMER }));
      expect(res.status, `${method} ${path}`).toBe(202);
    }
    expect(keys).toEqual([]);
    expect(order.seen).toEqual(["GET /orders", "GET /orders/o1", "POST /orders/o1/cancel"]);
  });

  it("limits GET /orders/{id}/trace like an order: it asks every service, so it must not flood them", async () => {
    const { keys, limiter } = fakeLimiter(false);
    const operations = countingOrderService();
    const res = await callWith(
      { ORDER_RATE_LIMITER: limiter, OPERATIONS: operations.service },
      request("/orders/o1/trace", {
        headers: { ...CUSTOMER, "cf-connecting-ip": "203.0.113.12" },
      }),
    );
    expect(res.status).toBe(429);
    expect(await errorCode(res)).toBe("RATE_LIMITED");
    expect(keys).toEqual(["client:203.0.113.12", "customer:c1"]);
    expect(operations.seen).toEqual([]);
  });

  it("lets the order through when the limiter itself fails (the limit must not take ordering down)", async () => {
    const { keys, limiter } = fakeLimiter("throw");
    const order = countingOrderService();
    const res = await callWith(
      { ORDER_RATE_LIMITER: limiter, ORDER: order.service },
      request("/orders", { method: "POST", headers: { ...CUSTOMER, ...JSON_TYPE }, body: ORDER }),
    );
    expect(res.status).toBe(202);
    expect(keys).toHaveLength(2);
    expect(order.seen).toEqual(["POST /orders"]);
  });

  it("the configured binding is the one the gateway uses", () => {
    expect(typeof env.ORDER_RATE_LIMITER?.limit).toBe("function");
  });
});
