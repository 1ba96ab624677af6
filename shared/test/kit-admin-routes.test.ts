import { exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { storeDeadLetter } from "../src/dead-letters/dead-letters";
import { count, db, increment, seedOutbox } from "./helpers";

const admin = (path: string, init?: RequestInit) =>
  exports.default.fetch(`http://kit${path}`, init);

describe("kit admin routes", () => {
  it("report the outbox backlog and relay status, and maintenance drains it", async () => {
    await seedOutbox([increment("admin", 1), increment("admin", 2)]);
    const before = (await (await admin("/outbox")).json()) as {
      pending: number;
      oldestPendingAt: number | null;
    };
    expect(before.pending).toBe(2);
    expect(before.oldestPendingAt).toBeTypeOf("number");

    const res = await admin("/maintenance", { method: "POST" });
    expect(res.status).toBe(200);

    await vi.waitFor(
      async () =>
        expect(await count("SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL")).toBe(0),
      {
        timeout: 5_000,
        interval: 20,
      },
    );
    const after = (await (await admin("/outbox")).json()) as {
      pending: number;
      relay: { publishedTotal: number };
    };
    expect(after.pending).toBe(0);
    expect(after.relay.publishedTotal).toBeGreaterThanOrEqual(2);
  });

  it("list dead letters with their reason and body", async () => {
    await storeDeadLetter(db, {
      queue: "q",
      messageId: "m-admin",
      body: { x: 1 },
      reason: "because",
      attempts: 2,
    });
    const body = (await (await admin("/dead-letters")).json()) as {
      deadLetters: { messageId: string; reason: string; body: string }[];
    };
    expect(body.deadLetters).toContainEqual(
      expect.objectContaining({ messageId: "m-admin", reason: "because", body: '{"x":1}' }),
    );
  });
});
