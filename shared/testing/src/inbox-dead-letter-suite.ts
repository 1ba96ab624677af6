import { env } from "cloudflare:workers";
import type { Catalog, EventTypeOf, PayloadOf } from "@edge-saga/shared";
import { describe, expect, it } from "vitest";
import { sendMalformedThenValid } from "./index";

/**
 * The dead-letter test every service runs: malformed messages sent through its real inbox queue
 * (`INBOX_UNDER_TEST`) land in `dead_letters` with their reason, and the valid `type` event behind
 * them is still applied, as `applied` (a query returning its count as `n`) sees.
 * @example inboxDeadLetterSuite(catalog, "OrderRejected", payload, "SELECT COUNT(*) AS n FROM holds")
 */
export function inboxDeadLetterSuite<C extends Catalog, T extends EventTypeOf<C>>(
  catalog: C,
  type: T,
  payload: PayloadOf<C, T>,
  applied: string,
): void {
  const { DB, INBOX_UNDER_TEST } = env as unknown as { DB: D1Database; INBOX_UNDER_TEST: Queue };
  describe("inbox queue", () => {
    it("dead-letters malformed messages with their reason and keeps applying the valid ones behind them", async () => {
      const id = `dl-${type}`;
      const init = {
        aggregateType: "test",
        aggregateId: id,
        correlationId: id,
        causationId: "test",
      };
      // sequence 1: a versioned replica (the order service's products) takes it as newer than none.
      const valid = catalog.create(type, { ...init, sequence: 1, payload } as never);
      const count = async () => (await DB.prepare(applied).first<{ n: number }>())?.n ?? 0;
      const reasons = (await sendMalformedThenValid(DB, INBOX_UNDER_TEST, valid, count)).join("\n");
      expect(reasons).toMatch(/unknown event type NoSuchEventType/);
      expect(reasons).toMatch(new RegExp(`invalid ${type} payload`));
    });
  });
}
