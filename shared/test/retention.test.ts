import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { pruneRetention } from "../src/retention/retention";
import { count } from "./helpers";

const DAY = 86_400_000;

describe("retention", () => {
  it("deletes only published outbox rows and inbox rows older than their retention", async () => {
    const now = Date.now();
    const insertOutbox = (id: string, createdAt: number, publishedAt: number | null) =>
      env.DB.prepare(
        "INSERT INTO outbox (event_id, type, correlation_id, body, created_at, published_at) VALUES (?, 'T', 'c', '{}', ?, ?)",
      ).bind(id, createdAt, publishedAt);
    const insertInbox = (id: string, processedAt: number) =>
      env.DB.prepare(
        "INSERT INTO inbox (event_id, type, correlation_id, processed_at) VALUES (?, 'T', 'c', ?)",
      ).bind(id, processedAt);
    await env.DB.batch([
      insertOutbox("old-published", now - 10 * DAY, now - 9 * DAY),
      insertOutbox("recent-published", now - 2 * DAY, now - DAY),
      insertOutbox("old-pending", now - 30 * DAY, null),
      insertInbox("old-inbox", now - 8 * DAY),
      insertInbox("recent-inbox", now - DAY),
    ]);

    const deleted = await pruneRetention(env.DB, { now });

    expect(deleted).toEqual({ outbox: 1, inbox: 1 });
    const outboxIds = await env.DB.prepare("SELECT event_id FROM outbox ORDER BY event_id").all<{
      event_id: string;
    }>();
    expect(outboxIds.results.map((r) => r.event_id)).toEqual(["old-pending", "recent-published"]);
    expect(await count("SELECT COUNT(*) AS n FROM inbox WHERE event_id = 'recent-inbox'")).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM inbox")).toBe(1);

    // Shorter configured retention reaches the recent rows too, but never a pending one.
    expect(
      await pruneRetention(env.DB, { now, outboxRetentionMs: 0, inboxRetentionMs: 0 }),
    ).toEqual({ outbox: 1, inbox: 1 });
    expect(await count("SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL")).toBe(1);
  });
});
