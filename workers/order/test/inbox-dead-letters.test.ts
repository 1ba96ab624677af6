import { env } from "cloudflare:workers";
import { catalog } from "@edge-saga/contracts";
import { sendMalformedThenValid } from "@edge-saga/shared/testing";
import { describe, expect, it } from "vitest";

describe("order inbox queue", () => {
  it("dead-letters malformed messages with their reason and keeps applying the valid ones behind them", async () => {
    const valid = catalog.create("ProductUpserted", {
      aggregateType: "product",
      aggregateId: "dl-sku",
      correlationId: "dl-sku",
      causationId: "test",
      sequence: 1,
      payload: {
        sku: "dl-sku",
        name: "Dead letter lamp",
        price: { amountCents: 100, currency: "USD" },
      },
    });
    const applied = async () =>
      (
        await env.DB.prepare(
          "SELECT COUNT(*) AS n FROM catalog_products WHERE sku = 'dl-sku'",
        ).first<{ n: number }>()
      )?.n ?? 0;
    const reasons = (
      await sendMalformedThenValid(env.DB, env.INBOX_UNDER_TEST, valid, applied)
    ).join("\n");
    expect(reasons).toMatch(/unknown event type NoSuchEventType/);
    expect(reasons).toMatch(/invalid ProductUpserted payload/);
  });
});
