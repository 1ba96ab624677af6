import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Order, Product } from "@edge-saga/contracts";
import {
  type Answer,
  apiClient,
  bearer,
  expectStatus,
  read,
  type ApiClient as TypedClient,
} from "@edge-saga/contracts/client";
import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import { ApiClient, holdSeconds, UnexpectedAnswer } from "../lib/api-client";

/** What the fake gateway saw of one request. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

type Handler = (req: Seen, res: ServerResponse) => void;

let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
let handler: Handler = (_req, res) => res.end();
/** The fake dev issuer: every sign-in, and how long its tokens live (seconds). */
let signIns: string[] = [];
let tokenLife = 3600;
let issuer: Handler = (req, res) => {
  const { customerId } = JSON.parse(req.body) as { customerId: string };
  signIns.push(customerId);
  json(res, 200, {
    accessToken: `jwt-${customerId}-${signIns.length}`,
    tokenType: "Bearer",
    expiresIn: tokenLife,
  });
};
const defaultIssuer = issuer;

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const request = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      if (request.url === "/auth/dev/token") return issuer(request, res);
      seen.push(request);
      handler(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen = [];
  signIns = [];
  tokenLife = 3600;
  issuer = defaultIssuer;
});

describe("ApiClient", () => {
  it("sends JSON with the customer's token and the idempotency key, and gives back status and headers", async () => {
    handler = (_req, res) => {
      res.setHeader("x-request-id", "r1");
      json(res, 202, { id: "o1", status: "PENDING" });
    };
    const client = new ApiClient(baseUrl, "secret");
    const answer = await client.placeOrder(
      { customerId: "c1", items: [{ sku: "s1", quantity: 1 }] },
      { idempotencyKey: "k1", headers: { "cf-connecting-ip": "10.0.0.1" } },
    );
    expect(answer.status).toBe(202);
    expect(answer.headers.get("x-request-id")).toBe("r1");
    expect(answer.status === 202 && answer.body).toEqual({ id: "o1", status: "PENDING" });
    const [req] = seen;
    expect(req?.url).toBe("/orders");
    expect(req?.headers).toMatchObject({
      accept: "application/json",
      "content-type": "application/json",
      "idempotency-key": "k1",
      "cf-connecting-ip": "10.0.0.1",
    });
    expect(req?.headers.authorization).toBe("Bearer jwt-c1-1");
    expect(JSON.parse(req?.body ?? "")).toEqual({
      customerId: "c1",
      items: [{ sku: "s1", quantity: 1 }],
    });

    handler = (_req, res) => json(res, 201, { sku: "s1" });
    await client.putProduct("s1", { name: "S", priceCents: 1, stock: 1 });
    expect(seen[1]?.headers.authorization).toBe("Bearer secret");
  });

  it("sends a string body as it is, and keeps an answer that is not JSON as text", async () => {
    handler = (_req, res) => {
      res.writeHead(400);
      res.end("not json");
    };
    const answer = await new ApiClient(baseUrl, "t").request("POST", "/orders", {
      body: "{broken",
      headers: { "content-type": "text/plain" },
    });
    expect(seen[0]?.body).toBe("{broken");
    expect(seen[0]?.headers["content-type"]).toBe("text/plain");
    expect(answer).toMatchObject({ status: 400, body: "not json" });
  });

  it("expect: throws with the exchange on any other status", async () => {
    handler = (_req, res) => json(res, 409, { error: { code: "CONFLICT", message: "no" } });
    const client = new ApiClient(baseUrl, "t");
    const failure = await client.expect(202, "POST", "/orders/o1/cancel").catch((e) => e);
    expect(failure).toBeInstanceOf(UnexpectedAnswer);
    expect(failure.message).toContain("POST /orders/o1/cancel: expected 202, got 409");
    expect(failure.answer.status).toBe(409);
  });

  it("a typed call throws with the exchange on a status the caller did not expect", async () => {
    handler = (_req, res) => json(res, 404, { error: { code: "NOT_FOUND", message: "no" } });
    const client = new ApiClient(baseUrl, "t");
    expect(await client.findProduct("s9")).toBeUndefined();
    const failure = await client.getOrder("o9").catch((e) => e);
    expect(failure).toBeInstanceOf(UnexpectedAnswer);
    expect(failure.message).toMatch(/\/orders\/o9: expected 200, got 404: .*NOT_FOUND/);
  });

  it("listOrders follows nextCursor", async () => {
    handler = (req, res) =>
      req.url.includes("cursor=p2")
        ? json(res, 200, { orders: [{ id: "o2" }], nextCursor: null })
        : json(res, 200, { orders: [{ id: "o1" }], nextCursor: "p2" });
    const orders = await new ApiClient(baseUrl, "t").listOrders("c1");
    expect(orders.map((o) => o.id)).toEqual(["o1", "o2"]);
    expect(seen.map((r) => r.url)).toEqual([
      "/orders?customerId=c1&limit=100",
      "/orders?customerId=c1&limit=100&cursor=p2",
    ]);
  });

  it("retryBusy sends again after 429 and 503, and only when asked", async () => {
    let calls = 0;
    handler = (_req, res) => {
      calls++;
      if (calls === 1) json(res, 429, { error: { code: "RATE_LIMITED", message: "slow" } });
      else if (calls === 2) json(res, 503, { error: { code: "UNAVAILABLE", message: "busy" } });
      else json(res, 202, { id: "o1" });
    };
    const client = new ApiClient(baseUrl, "t");
    expect((await client.cancelOrder("o1", { retryBusy: true })).status).toBe(202);
    expect(seen.map((r) => r.url)).toEqual(Array(3).fill("/orders/o1/cancel"));
    expect(calls).toBe(3);

    calls = 0;
    expect((await client.cancelOrder("o1")).status).toBe(429);
    expect(calls).toBe(1);
  }, 10_000);

  it("resends a read that got no answer up to `attempts` times, never a write", async () => {
    let calls = 0;
    handler = (_req, res) => {
      calls++;
      if (calls < 3) res.socket?.destroy();
      else json(res, 200, { sku: "s1" });
    };
    const client = new ApiClient(baseUrl, "t", { attempts: 3 });
    expect(await client.getProduct("s1")).toEqual({ sku: "s1" });
    expect(calls).toBe(3);

    calls = 0;
    await expect(client.request("POST", "/admin/order/replay")).rejects.toThrow();
    expect(calls).toBe(1);

    calls = 0;
    await expect(new ApiClient(baseUrl, "t").request("GET", "/products")).rejects.toThrow();
    expect(calls).toBe(1);
  });

  it("aborts a request that outlives timeoutMs", async () => {
    handler = (_req, res) => setTimeout(() => json(res, 200, { products: [] }), 2_000);
    const started = Date.now();
    const slow = apiClient(baseUrl, { timeoutMs: 200 }).products.$get();
    await expect(slow).rejects.toThrow(/abort|timeout/i);
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});

describe("ApiClient.waitForOutcome", () => {
  const order = (status: string) => ({ id: "o1", customerId: "c1", status });
  /** Answers in turn, then the last one again; a held answer says Preference-Applied. */
  const answers = (...list: [number, string | null, boolean?][]) => {
    let next = 0;
    handler = (req, res) => {
      const [status, orderStatus, held] = list[Math.min(next++, list.length - 1)] ?? [500, null];
      if (held) res.setHeader("Preference-Applied", String(req.headers.prefer));
      if (orderStatus === "PENDING") res.setHeader("Retry-After", "1");
      json(res, status, orderStatus ? order(orderStatus) : { error: { code: "NOT_FOUND" } });
    };
  };

  it("asks the server to hold the answer and needs one request for a saga decided meanwhile", async () => {
    answers([200, "CONFIRMED", true]);
    const client = new ApiClient(baseUrl, "secret");
    expect((await client.waitForOutcome("o1", 10_000))?.status).toBe("CONFIRMED");
    expect(seen.map((r) => [r.url, r.headers.prefer])).toEqual([["/orders/o1", "wait=10"]]);
  });

  it("asks again at once after a held PENDING answer, briefly after a 404", async () => {
    answers([404, null], [200, "PENDING", true], [200, "REJECTED", true]);
    const client = new ApiClient(baseUrl, "secret");
    const started = Date.now();
    expect((await client.waitForOutcome("o1"))?.status).toBe("REJECTED");
    expect(seen).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(900);
  });

  it("waits out Retry-After when the server did not hold a PENDING answer", async () => {
    answers([200, "PENDING", false], [200, "CONFIRMED", true]);
    const client = new ApiClient(baseUrl, "secret");
    const started = Date.now();
    expect((await client.waitForOutcome("o1"))?.status).toBe("CONFIRMED");
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("gives the order as it is at the timeout, and throws on an answer it cannot wait through", async () => {
    answers([200, "PENDING", false]);
    const client = new ApiClient(baseUrl, "secret");
    expect((await client.waitForOutcome("o1", 300))?.status).toBe("PENDING");
    answers([403, null]);
    await expect(client.waitForOutcome("o1")).rejects.toThrow(UnexpectedAnswer);
  });

  it("holds at most 30 s, a second short of the request timeout, and at least 1 s", () => {
    expect(holdSeconds(120_000)).toBe(30);
    expect(holdSeconds(4_200)).toBe(5);
    expect(holdSeconds(120_000, 15_000)).toBe(14);
    expect(holdSeconds(0)).toBe(1);
    expect(holdSeconds(10_000, 1_500)).toBe(1);
  });
});

describe("ApiClient signs customers in", () => {
  const order = (id: string, customerId: string) => ({ id, customerId, status: "PENDING" });

  it("calls for a customer with her token, signing each in once; admin calls keep the admin token", async () => {
    let n = 0;
    handler = (req, res) => {
      if (req.url === "/orders")
        return json(res, 202, order(`o${++n}`, JSON.parse(req.body).customerId));
      if (req.url.startsWith("/customers/") && req.url.endsWith("/grants"))
        return json(res, 201, { grant: {}, account: {} });
      json(res, 200, { customerId: "x", balance: 0, reserved: 0, lifetimeEarned: 0 });
    };
    const client = new ApiClient(baseUrl, "admin-secret");
    const items = [{ sku: "s1", quantity: 1 }];
    await client.placeOrder({ customerId: "alice", items });
    await client.placeOrder({ customerId: "bob", items });
    await client.placeOrder({ customerId: "alice", items });
    await client.getRewards("alice");
    await client.grantPoints("alice", 5, "why");
    // bob's token on a body naming alice: what a test of a refusal sends.
    await client.placeOrder({ customerId: "alice", items }, { as: "bob" });
    expect(signIns).toEqual(["alice", "bob"]);
    expect(seen.map((r) => `${r.method} ${r.url} ${r.headers.authorization}`)).toEqual([
      "POST /orders Bearer jwt-alice-1",
      "POST /orders Bearer jwt-bob-2",
      "POST /orders Bearer jwt-alice-1",
      "GET /customers/alice/rewards Bearer jwt-alice-1",
      "POST /customers/alice/rewards/grants Bearer admin-secret",
      "POST /orders Bearer jwt-bob-2",
    ]);
  });

  it("calls on an order as the customer it was placed or listed for, else as the admin", async () => {
    handler = (req, res) => {
      if (req.url === "/orders") return json(res, 202, order("o1", "alice"));
      if (req.url.startsWith("/orders?"))
        return json(res, 200, { orders: [order("o2", "bob")], nextCursor: null });
      if (req.url.endsWith("/cancel")) return json(res, 202, order("o1", "alice"));
      json(res, 200, order("o1", "alice"));
    };
    const client = new ApiClient(baseUrl, "admin-secret");
    await client.placeOrder({ customerId: "alice", items: [{ sku: "s1", quantity: 1 }] });
    await client.listOrders("bob");
    await client.getOrder("o1");
    await client.cancelOrder("o1");
    await client.getPayment("o2");
    await client.getOrder("o3");
    await client.cancelOrder("o3", { as: "carol" });
    await client.request("GET", "/orders/o1/trace", { as: "bob" });
    expect(seen.slice(2).map((r) => `${r.method} ${r.url} ${r.headers.authorization}`)).toEqual([
      "GET /orders/o1 Bearer jwt-alice-1",
      "POST /orders/o1/cancel Bearer jwt-alice-1",
      "GET /orders/o2/payment Bearer jwt-bob-2",
      "GET /orders/o3 Bearer admin-secret",
      "POST /orders/o3/cancel Bearer jwt-carol-3",
      "GET /orders/o1/trace Bearer jwt-bob-2",
    ]);
  });

  it("shares one sign-in between concurrent calls, renews a token near its expiry, and keeps no failed sign-in", async () => {
    const client = new ApiClient(baseUrl, "t");
    const tokens = await Promise.all([1, 2, 3].map(() => client.accessToken("alice")));
    expect(tokens).toEqual(Array(3).fill("jwt-alice-1"));
    expect(signIns).toEqual(["alice"]);

    // A 1 s token is renewed after half its life, never sent in its last moments.
    tokenLife = 1;
    const short = new ApiClient(baseUrl, "t");
    expect(await short.accessToken("bob")).toBe("jwt-bob-2");
    expect(await short.accessToken("bob")).toBe("jwt-bob-2");
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await short.accessToken("bob")).toBe("jwt-bob-3");

    issuer = (_req, res) => json(res, 404, { error: { code: "NOT_FOUND", message: "no issuer" } });
    await expect(short.accessToken("carol")).rejects.toThrow(
      /auth\/dev\/token: expected 200, got 404/,
    );
    issuer = defaultIssuer;
    expect(await short.accessToken("carol")).toBe("jwt-carol-4");
  });
});

describe("the typed client (contracts/src/http/client.ts)", () => {
  it("sends the admin token given to it, and none otherwise", async () => {
    handler = (_req, res) => json(res, 200, { products: [] });
    await apiClient(baseUrl, { adminToken: "secret" }).products.$get();
    await apiClient(baseUrl).products.$get();
    expect(seen.map((r) => r.headers.authorization)).toEqual(["Bearer secret", undefined]);
  });

  it("sends a customer's access token, asked for at each request; a call's own credential wins", async () => {
    handler = (_req, res) => json(res, 200, { products: [] });
    let asked = 0;
    const client = apiClient(baseUrl, { accessToken: async () => `jwt-${++asked}` });
    await client.products.$get();
    await client.products.$get();
    await client.products.$get(undefined, bearer("own"));
    await apiClient(baseUrl, { accessToken: "fixed" }).products.$get();
    expect(seen.map((r) => r.headers.authorization)).toEqual([
      "Bearer jwt-1",
      "Bearer jwt-2",
      "Bearer own",
      "Bearer fixed",
    ]);
    expect(() => apiClient(baseUrl, { adminToken: "a", accessToken: "c" })).toThrow(/not both/);
  });

  it("types each answer by the route's schema for that status", async () => {
    handler = (_req, res) => json(res, 200, { sku: "s1" });
    const client: TypedClient = apiClient(baseUrl);
    const answer = await read(client.products[":sku"].$get({ param: { sku: "s1" } }));
    expect(answer).toMatchObject({ status: 200, body: { sku: "s1" } });
    // These hold only while the route's responses are the contract's Product and ErrorBody:
    // change a schema of GET /products/{sku} and `tsc -p tsconfig.node.json` fails here.
    expectTypeOf(answer).toEqualTypeOf<
      Answer<Awaited<ReturnType<TypedClient["products"][":sku"]["$get"]>>>
    >();
    if (answer.status === 200) expectTypeOf(answer.body).toEqualTypeOf<Product>();
    if (answer.status === 404) expectTypeOf(answer.body.error.code).toEqualTypeOf<string>();
    expectTypeOf(answer.status).toEqualTypeOf<200 | 400 | 404 | 500 | 502>();

    handler = (_req, res) => json(res, 202, { id: "o1" });
    const placed = await expectStatus(
      client.orders.$post({ json: { customerId: "c", items: [{ sku: "s1", quantity: 1 }] } }),
      202,
    );
    expectTypeOf(placed.body).toEqualTypeOf<Order>();
    // Type-checked, never sent.
    const refused = () => [
      // @ts-expect-error the contract's PlaceOrderInput has no `total`: bodies are checked too
      client.orders.$post({ json: { customerId: "c", items: [], total: 1 } }),
      // @ts-expect-error GET /orders/{id} has no answer 201, so it cannot be expected
      expectStatus(client.orders[":id"].$get({ param: { id: "o1" } }), 201),
    ];
    expect(refused).toBeTypeOf("function");
  });
});
