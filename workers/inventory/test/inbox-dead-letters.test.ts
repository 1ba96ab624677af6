import { env } from "cloudflare:workers";
import { catalog } from "@edge-saga/contracts";
import { sendMalformedThenValid } from "@edge-saga/shared/testing";
import { describe, expect, it } from "vitest";

describe("inventory inbox queue", () => {
  it("dead-letters malformed messages with their reason and keeps applying the valid ones behind them", async () => {
    const valid = catalog.create("OrderRejected", {
      aggregateType: "order",
      aggregateId: "ord-dl-1",
      correlationId: "ord-dl-1",
      causationId: "test",
      payload: { orderId: "ord-dl-1", customerId: "c1", reason: "INSUFFICIENT_POINTS" },
    });
    const applied = async () =>
      (
        await env.DB.prepare(
          "SELECT COUNT(*) AS n FROM reservations WHERE order_id = 'ord-dl-1'",
        ).first<{ n: number }>()
      )?.n ?? 0;
    const reasons = (
      await sendMalformedThenValid(env.DB, env.INBOX_UNDER_TEST, valid, applied)
    ).join("\n");
    expect(reasons).toMatch(/unknown event type NoSuchEventType/);
    expect(reasons).toMatch(/invalid OrderRejected payload/);
  });
});
