import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Order } from "@edge-saga/contracts";
import { asAdmin, asCustomer } from "@edge-saga/kit-testing";
import { type Envelope, notFound, onError } from "@edge-saga/shared";
import { benchWorker } from "@edge-saga/shared/bench";
import { Hono } from "hono";
import { beforeAll, describe, expect, it } from "vitest";
import { benchRoutes } from "../bench/bench-routes";
import { orders } from "../src/routes/orders";
import { count, seedProducts } from "./helpers";

/** The service's public routes, wrapped as its bench entry wraps the service. */
const service = new Hono<{ Bindings: Env }>().route("/", orders);
service.onError(onError);
service.notFound(notFound);
const app = benchWorker<Env>(
  { fetch: service.fetch },
  // Later files of this runtime use runInDurableObject, which refuses counting stubs.
  { routes: benchRoutes, countDurableObjectRequests: false },
);

/** Queues that record what is sent to them, so a test sees what went out directly. */
function recordingEnv(vars: Record<string, string>) {
  const sent: { queue: string; event: Envelope }[] = [];
  const queue = (name: string) =>
    ({
      send: async (event: Envelope) => {
        sent.push({ queue: name, event });
      },
    }) as unknown as Queue;
  const testEnv = {
    ...env,
    ...vars,
    INVENTORY_INBOX: queue("inventory"),
    REWARDS_INBOX: queue("rewards"),
  } as Env;
  return { testEnv, sent };
}

/** POST /orders as the bench's customer, whom every body here names. */
async function post(
  testEnv: Env,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request("http://order/orders", {
    method: "POST",
    headers: { "content-type": "application/json", ...asCustomer("bench"), ...headers },
    body: JSON.stringify(body),
  });
  const fetch = app.fetch as NonNullable<typeof app.fetch>;
  const response = await fetch(
    request as Request<unknown, IncomingRequestCfProperties>,
    testEnv,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

const outboxRows = (orderId: string) =>
  count("SELECT COUNT(*) AS n FROM outbox WHERE correlation_id = ?", orderId);

const DIRECT = { "x-bench-baseline": "direct-publish" };

beforeAll(async () => {
  await seedProducts([{ sku: "bench-apple", priceCents: 150 }]);
});

describe("bench routes: the direct-publish baseline", () => {
  it('with BENCH_BASELINES_ENABLED "true" and the header: committed without an outbox row, OrderPlaced sent in the request', async () => {
    const { testEnv, sent } = recordingEnv({ BENCH_BASELINES_ENABLED: "true" });
    const response = await post(
      testEnv,
      { customerId: "bench", items: [{ sku: "bench-apple", quantity: 2 }], pointsToRedeem: 1 },
      DIRECT,
    );
    expect(response.status).toBe(202);
    const order = await response.json<Order>();
    expect(response.headers.get("Location")).toBe(`/orders/${order.id}`);
    expect(order).toMatchObject({ status: "PENDING", totalCents: 300, pointsRedeemed: 1 });
    expect(await outboxRows(order.id)).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM orders WHERE id = ?", order.id)).toBe(1);
    expect(sent.map((s) => [s.queue, s.event.type, s.event.aggregateId]).sort()).toEqual([
      ["inventory", "OrderPlaced", order.id],
      ["rewards", "OrderPlaced", order.id],
    ]);
  });

  it("keeps the idempotency behaviour: the same key and body replay the stored answer", async () => {
    const { testEnv, sent } = recordingEnv({ BENCH_BASELINES_ENABLED: "true" });
    const body = { customerId: "bench", items: [{ sku: "bench-apple", quantity: 1 }] };
    const headers = { ...DIRECT, "idempotency-key": "bench-replay-1" };
    const first = await post(testEnv, body, headers);
    expect(first.status).toBe(202);
    const again = await post(testEnv, body, headers);
    expect(again.status).toBe(202);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await again.json()).toEqual(await first.json());
    // One placement's sends (inventory and rewards), none for the replay.
    expect(sent.map((s) => s.queue).sort()).toEqual(["inventory", "rewards"]);
  });

  it("answers a schema violation like the production route", async () => {
    const { testEnv } = recordingEnv({ BENCH_BASELINES_ENABLED: "true" });
    const response = await post(testEnv, { customerId: "bench", items: [] }, DIRECT);
    expect(response.status).toBe(400);
    expect((await response.json<{ error: { code: string } }>()).error.code).toBe(
      "VALIDATION_FAILED",
    );
  });

  it.each([
    ["not enabled", {}, DIRECT],
    ['enabled with anything but "true"', { BENCH_BASELINES_ENABLED: "1" }, DIRECT],
    ["enabled but not asked for", { BENCH_BASELINES_ENABLED: "true" }, {}],
  ])("does not exist when %s: the order goes through the outbox", async (_, vars, headers) => {
    const { testEnv, sent } = recordingEnv(vars);
    const response = await post(
      testEnv,
      { customerId: "bench", items: [{ sku: "bench-apple", quantity: 1 }] },
      headers,
    );
    expect(response.status).toBe(202);
    const order = await response.json<Order>();
    expect(await outboxRows(order.id)).toBe(1);
    expect(sent).toEqual([]);
  });
});

describe("bench routes: the write paths side by side", () => {
  const body = { customerId: "bench", items: [{ sku: "bench-apple", quantity: 1 }] };
  const writePathOf = (id: string) =>
    env.DB.prepare("SELECT write_path AS path FROM orders WHERE id = ?")
      .bind(id)
      .first<{ path: string }>();

  it("places by the path the header names, whatever WRITE_PATH says", async () => {
    const { testEnv } = recordingEnv({ BENCH_BASELINES_ENABLED: "true", WRITE_PATH: "outbox" });
    const cdc = await (await post(testEnv, body, { "x-bench-baseline": "cdc" })).json<Order>();
    expect((await writePathOf(cdc.id))?.path).toBe("cdc");
    // The trigger, not the route, wrote its one OrderPlaced.
    expect(await outboxRows(cdc.id)).toBe(1);
    const selfRead = await post(testEnv, body, { "x-bench-baseline": "self-read" });
    expect(selfRead.status).toBe(202);
    expect(await writePathOf((await selfRead.json<Order>()).id)).toBeNull();
  });

  it("is the configured path when the switch is off", async () => {
    const { testEnv } = recordingEnv({ WRITE_PATH: "outbox" });
    const order = await (await post(testEnv, body, { "x-bench-baseline": "cdc" })).json<Order>();
    expect((await writePathOf(order.id))?.path).toBe("outbox");
  });
});

describe("the production entry", () => {
  it('serves no bench route, even with BENCH_BASELINES_ENABLED "true" (only a bench entry does)', async () => {
    const production = (await import("../src/index")).default;
    const on = { ...env, BENCH_BASELINES_ENABLED: "true" } as Env;
    for (const [method, path] of [
      ["GET", "/admin/bench/d1-calls"],
      ["PUT", "/admin/bench-baseline"],
    ] as const) {
      const ctx = createExecutionContext();
      const request = new Request(`http://order${path}`, {
        method,
        headers: { "content-type": "application/json", ...asAdmin() },
        ...(method === "PUT" ? { body: JSON.stringify({ relayPollIntervalMs: 1_000 }) } : {}),
      });
      const res = await production.fetch(
        request as Request<unknown, IncomingRequestCfProperties>,
        on,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      expect(res.status, path).toBe(404);
    }
  });
});
