import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ApiClient, UnexpectedAnswer } from "../lib/api-client";

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
});

describe("ApiClient", () => {
  it("sends JSON with the admin token and the idempotency key, and gives back status and headers", async () => {
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
    expect(answer.body).toEqual({ id: "o1", status: "PENDING" });
    const [req] = seen;
    expect(req?.url).toBe("/orders");
    expect(req?.headers).toMatchObject({
      accept: "application/json",
      "content-type": "application/json",
      "idempotency-key": "k1",
      "cf-connecting-ip": "10.0.0.1",
    });
    expect(req?.headers.authorization).toBeUndefined();
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
    expect(failure.message).toContain("expected 202, got 409");
    expect(failure.answer.status).toBe(409);
  });

  it("an unknown customer has an empty rewards account; a missing ledger route is undefined", async () => {
    handler = (_req, res) => json(res, 404, { error: { code: "NOT_FOUND", message: "no" } });
    const client = new ApiClient(baseUrl, "t");
    expect(await client.getRewards("c9")).toEqual({
      customerId: "c9",
      balance: 0,
      reserved: 0,
      lifetimeEarned: 0,
    });
    expect(await client.getLedger("c9")).toBeUndefined();
    expect(await client.findProduct("s9")).toBeUndefined();
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
});
