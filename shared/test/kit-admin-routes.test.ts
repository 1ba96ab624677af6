import { exports } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { kitAdminRouteDefinitions } from "../src/admin/admin-route-definitions";
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

  it("page through published events and handled (applied or dead-lettered) event ids", async () => {
    const events = [increment("ids", 1), increment("ids", 2), increment("ids", 3)];
    await seedOutbox(events);
    await admin("/maintenance", { method: "POST" });
    const ids = events.map((e) => e.id);
    const all = async (path: string, limit: number) => {
      const rows: unknown[] = [];
      let after = "";
      for (;;) {
        const page = (await (await admin(`${path}?limit=${limit}&after=${after}`)).json()) as {
          events: unknown[];
          next: string | null;
        };
        expect(page.events.length).toBeLessThanOrEqual(limit);
        rows.push(...page.events);
        if (page.next === null) return rows;
        after = page.next;
      }
    };
    await vi.waitFor(
      async () => expect(await all("/events/handled", 2)).toEqual(expect.arrayContaining(ids)),
      {
        timeout: 10_000,
        interval: 50,
      },
    );
    const published = (await all("/events/published", 2)) as { id: string; type: string }[];
    expect(published.filter((e) => ids.includes(e.id))).toEqual(
      [...ids].sort().map((id) => ({ id, type: "TallyIncremented" })),
    );
    await storeDeadLetter(db, {
      queue: "q",
      messageId: "m-ids",
      body: {},
      reason: "bad",
      attempts: 1,
      eventId: "dead-lettered-id",
      eventType: "TallyIncremented",
    });
    expect(await all("/events/handled", 1000)).toContain("dead-lettered-id");
  });

  it("stats: throughput per minute, duplicates absorbed, retries, dead letters and relay health", async () => {
    const stats = async () =>
      (await (await admin("/stats?minutes=5")).json()) as {
        outbox: { pending: number; oldestPendingAgeMs: number | null };
        perMinute: { published: { count: number }[]; consumed: { count: number }[] };
        totals: { duplicatesAbsorbed: number; openDeadLetters: number };
        relay: { lastRunAt: number | null };
      };
    const before = await stats();
    await seedOutbox([increment("stats", 1)]);
    expect((await stats()).outbox.pending).toBe(before.outbox.pending + 1);
    expect((await stats()).outbox.oldestPendingAgeMs).toBeTypeOf("number");
    const sum = (rows: { count: number }[]) => rows.reduce((n, r) => n + r.count, 0);
    await admin("/maintenance", { method: "POST" });
    await vi.waitFor(
      async () => {
        const after = await stats();
        expect(sum(after.perMinute.published)).toBeGreaterThan(sum(before.perMinute.published));
        expect(sum(after.perMinute.consumed)).toBeGreaterThan(sum(before.perMinute.consumed));
      },
      { timeout: 10_000, interval: 50 },
    );
    await db.run(
      sql`INSERT INTO consumer_metrics (metric, minute, count) VALUES ('duplicate', 0, 7)`,
    );
    const after = await stats();
    expect(after.totals.duplicatesAbsorbed).toBe(before.totals.duplicatesAbsorbed + 7);
    expect(after.relay.lastRunAt).toBeTypeOf("number");
  });

  it("trace: one saga's published, applied (attempts, duplicates) and dead-lettered events", async () => {
    const first = increment("traced", 1, "saga-7");
    const second = increment("traced", 2, "saga-7");
    const other = increment("traced", 3, "saga-8");
    await seedOutbox([first, second, other]);
    await admin("/maintenance", { method: "POST" });
    await vi.waitFor(
      async () =>
        expect(await count("SELECT COUNT(*) AS n FROM inbox WHERE correlation_id = 'saga-7'")).toBe(
          2,
        ),
      { timeout: 10_000, interval: 50 },
    );
    await db.run(
      sql`UPDATE inbox SET attempts = 2, duplicates = 1, last_duplicate_at = 1700000000000 WHERE event_id = ${second.id}`,
    );
    const unknownType = { ...increment("traced", 1, "saga-7"), type: "NoSuchEvent" };
    await storeDeadLetter(db, {
      queue: "tester-inbox",
      messageId: "m-trace",
      body: unknownType,
      reason: "unknown event type NoSuchEvent",
      attempts: 1,
    });
    await storeDeadLetter(db, {
      queue: "tester-inbox",
      messageId: "m-trace-not-json",
      body: "{not json",
      reason: "invalid envelope",
      attempts: 1,
    });

    // A dead letter of an event never applied is found by its id, which the caller names.
    const trace = (await (await admin(`/trace/saga-7?events=${unknownType.id}`)).json()) as {
      published: Record<string, unknown>[];
      handled: Record<string, unknown>[];
      deadLetters: Record<string, unknown>[];
    };
    expect(trace.published).toEqual(
      [first, second].map((e) => ({
        eventId: e.id,
        type: "TallyIncremented",
        causationId: "test",
        committedAt: expect.any(Number),
        publishedAt: expect.any(Number),
        // The tester's receipt may or may not be back yet.
        awaitingReceiptFrom: expect.toBeOneOf([null, '["tester"]']),
        resends: 0,
        traceparent: null,
      })),
    );
    expect(trace.handled).toHaveLength(2);
    expect(trace.handled).toContainEqual({
      eventId: first.id,
      type: "TallyIncremented",
      appliedAt: expect.any(Number),
      attempts: 1,
      duplicatesDropped: 0,
      lastDuplicateAt: null,
    });
    expect(trace.handled).toContainEqual(
      expect.objectContaining({
        eventId: second.id,
        attempts: 2,
        duplicatesDropped: 1,
        lastDuplicateAt: 1700000000000,
      }),
    );
    expect(trace.deadLetters).toEqual([
      {
        eventId: unknownType.id,
        type: "NoSuchEvent",
        reason: "unknown event type NoSuchEvent",
        attempts: 1,
        receivedAt: expect.any(Number),
        resolution: null,
      },
    ]);
    expect(await (await admin("/trace/no-such-saga")).json()).toEqual({
      published: [],
      handled: [],
      deadLetters: [],
    });
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

  it("answer with the shapes their definitions declare, and refuse what breaks them in the API's error shape", async () => {
    const outbox = kitAdminRouteDefinitions.getOutbox.responses[200].content["application/json"];
    expect(outbox.schema.safeParse(await (await admin("/outbox")).json()).success).toBe(true);
    const stats = kitAdminRouteDefinitions.getStats.responses[200].content["application/json"];
    expect(stats.schema.safeParse(await (await admin("/stats?minutes=5")).json()).success).toBe(
      true,
    );
    const refused = await admin("/replay", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ to: "Not A Service", since: "yesterday" }),
    });
    expect(refused.status).toBe(400);
    const { error } = (await refused.json()) as {
      error: { code: string; details: { path: string }[] };
    };
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.details.map((d) => d.path).sort()).toEqual(["since", "to"]);
  });
});
