import { env } from "cloudflare:workers";
import { catalog } from "@edge-saga/contracts";
import { malformedBodies } from "@edge-saga/shared/testing";
import { describe, expect, it, vi } from "vitest";

const count = async (sql: string, ...params: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...params)
      .first<{ n: number }>()
  )?.n ?? 0;

describe("inventory inbox queue", () => {
  it("dead-letters malformed messages with their reason and keeps applying the valid ones behind them", async () => {
    const valid = catalog.create("OrderRejected", {
      aggregateType: "order",
      aggregateId: "ord-dl-1",
      correlationId: "ord-dl-1",
      causationId: "test",
      payload: { orderId: "ord-dl-1", customerId: "c1", reason: "INSUFFICIENT_POINTS" },
    });
    const bad = malformedBodies(valid);
    await env.INBOX_UNDER_TEST.sendBatch([...bad, valid].map((body) => ({ body })));

    await vi.waitFor(
      async () =>
        expect(
          await count("SELECT COUNT(*) AS n FROM reservations WHERE order_id = 'ord-dl-1'"),
        ).toBe(1),
      { timeout: 10_000, interval: 50 },
    );
    await vi.waitFor(
      async () => expect(await count("SELECT COUNT(*) AS n FROM dead_letters")).toBe(bad.length),
      {
        timeout: 10_000,
        interval: 50,
      },
    );
    const reasons = await env.DB.prepare("SELECT reason FROM dead_letters ORDER BY reason").all<{
      reason: string;
    }>();
    expect(reasons.results.map((r) => r.reason).join("\n")).toMatch(
      /unknown event type NoSuchEventType/,
    );
    expect(reasons.results.map((r) => r.reason).join("\n")).toMatch(
      /invalid OrderRejected payload/,
    );
  });
});
