import { env, exports } from "cloudflare:workers";
import { retentionBacklogSql } from "@edge-saga/kit-testing/retention-backlog";
import { describe, expect, it, vi } from "vitest";
import { replayDeadLetter } from "../src/dead-letters/replay-dead-letter";
import { pruneRetention } from "../src/retention/retention";
import { count, relay } from "./helpers";

const DAY = 86_400_000;

const seed = async (prefix: string, rows: number, at: number) => {
  for (const sql of retentionBacklogSql({ prefix, rows, at })) await env.DB.prepare(sql).run();
};

/** Rows of each kind whose id (or key) starts with `prefix`. */
const left = async (prefix: string) => ({
  outbox: await count("SELECT count(*) AS n FROM outbox WHERE event_id LIKE ?", `${prefix}-%`),
  inbox: await count("SELECT count(*) AS n FROM inbox WHERE event_id LIKE ?", `${prefix}-%`),
  deadLetters: await count("SELECT count(*) AS n FROM dead_letters WHERE id LIKE ?", `${prefix}-%`),
});

const insertOutbox = (id: string, publishedAt: number | null, awaiting: string[] | null = null) =>
  env.DB.prepare(
    `INSERT INTO outbox (event_id, type, correlation_id, body, created_at, published_at, awaiting, resends)
     VALUES (?1, 'TallyMirrored', 'c', '{"id":"' || ?1 || '"}', ?4, ?2, ?3, 2)`,
  ).bind(id, publishedAt, awaiting && JSON.stringify(awaiting), publishedAt ?? Date.now());

describe("retention", () => {
  it("deletes only published outbox rows and inbox rows older than their retention", async () => {
    const now = Date.now();
    const insertInbox = (id: string, processedAt: number) =>
      env.DB.prepare(
        "INSERT INTO inbox (event_id, type, correlation_id, processed_at) VALUES (?, 'T', 'c', ?)",
      ).bind(id, processedAt);
    await env.DB.batch([
      insertOutbox("old-published", now - 9 * DAY),
      insertOutbox("recent-published", now - DAY),
      insertOutbox("old-pending", null),
      insertInbox("old-inbox", now - 8 * DAY),
      insertInbox("recent-inbox", now - DAY),
    ]);

    expect(await pruneRetention(env.DB, { now })).toMatchObject({ outbox: 1, inbox: 1 });
    const outboxIds = await env.DB.prepare("SELECT event_id FROM outbox ORDER BY event_id").all<{
      event_id: string;
    }>();
    expect(outboxIds.results.map((r) => r.event_id)).toEqual(["old-pending", "recent-published"]);
    expect(await count("SELECT COUNT(*) AS n FROM inbox WHERE event_id = 'recent-inbox'")).toBe(1);

    // Shorter configured retention reaches the recent rows too, but never a pending one.
    expect(
      await pruneRetention(env.DB, { now, outboxRetentionMs: 0, inboxRetentionMs: 0 }),
    ).toMatchObject({ outbox: 1, inbox: 1, more: false });
    expect(await count("SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL")).toBe(1);
    await env.DB.prepare("DELETE FROM outbox").run();
  });

  it("prunes a backlog of every kind in chunks: all past retention, nothing newer", async () => {
    const now = Date.now();
    const rows = 20_000;
    await seed("old", rows, now - 8 * DAY);
    await seed("new", 500, now - 6 * DAY);
    // An open dead letter past retention stays: an operator has not looked at it yet.
    await env.DB.prepare(
      `INSERT INTO dead_letters (id, queue, message_id, reason, attempts, body, received_at)
       VALUES ('open-old', 'q', 'open-old', 'r', 1, '{}', ?)`,
    )
      .bind(now - 30 * DAY)
      .run();

    const run = await pruneRetention(env.DB, { now });

    // 20,000 of each at 2,000 a statement: 10 chunks of each kind, within one run's budget.
    expect(run).toEqual({
      outbox: rows,
      inbox: rows,
      consumerMetrics: rows,
      deadLetters: rows,
      effects: 0,
      undeliverable: 0,
      more: false,
    });
    expect(await left("old")).toEqual({ outbox: 0, inbox: 0, deadLetters: 0 });
    expect(await left("new")).toEqual({ outbox: 500, inbox: 500, deadLetters: 500 });
    expect(await count("SELECT count(*) AS n FROM consumer_metrics")).toBe(500);
    expect(await count("SELECT count(*) AS n FROM dead_letters WHERE id = 'open-old'")).toBe(1);
  });

  it("stops at its statement budget and the next run goes on where it stopped", async () => {
    const now = Date.now();
    await seed("budget", 3_000, now - 8 * DAY);
    // One pass: a chunk of each of the four kinds (the outbox's is two statements).
    const first = await pruneRetention(env.DB, { now, statements: 5, chunkSize: 1_000 });
    expect(first).toMatchObject({ outbox: 1_000, inbox: 1_000, deadLetters: 1_000, more: true });
    const rest = await pruneRetention(env.DB, { now, chunkSize: 1_000 });
    expect(rest).toMatchObject({ outbox: 2_000, inbox: 2_000, deadLetters: 2_000, more: false });
    expect(await left("budget")).toEqual({ outbox: 0, inbox: 0, deadLetters: 0 });
  });

  it("makes an outbox row still awaiting receipts an UNDELIVERABLE dead letter per subscriber, never a silent delete", async () => {
    const now = Date.now();
    await env.DB.batch([
      insertOutbox("never-acked", now - 8 * DAY, ["tester", "audit"]),
      insertOutbox("awaited-recent", now - DAY, ["audit"]),
    ]);

    expect(await pruneRetention(env.DB, { now })).toMatchObject({ outbox: 1, undeliverable: 2 });

    const letters = await env.DB.prepare(
      "SELECT event_id, event_type, reason, attempts, body, resolved_at FROM dead_letters WHERE event_id = 'never-acked' ORDER BY reason",
    ).all<Record<string, unknown>>();
    expect(letters.results).toEqual(
      ["audit", "tester"].map((subscriber) => ({
        event_id: "never-acked",
        event_type: "TallyMirrored",
        reason: expect.stringMatching(new RegExp(`^UNDELIVERABLE: ${subscriber} sent no receipt`)),
        attempts: 3,
        body: '{"id":"never-acked"}',
        resolved_at: null,
      })),
    );
    // Counted for an operator (the dashboard shows the same figure).
    const stats = (await (await exports.default.fetch("http://kit/stats")).json()) as {
      totals: { undeliverable: number };
    };
    expect(stats.totals.undeliverable).toBe(2);
    // Gone from the outbox only now; the one still within retention stays awaited.
    expect(await count("SELECT count(*) AS n FROM outbox WHERE event_id = 'never-acked'")).toBe(0);
    expect(await count("SELECT count(*) AS n FROM outbox WHERE awaiting IS NOT NULL")).toBe(1);
    // Open dead letters are never pruned, however old.
    await pruneRetention(env.DB, { now: now + 30 * DAY, outboxRetentionMs: 60 * DAY });
    expect(
      await count("SELECT count(*) AS n FROM dead_letters WHERE event_id = 'never-acked'"),
    ).toBe(2);
    await env.DB.batch([
      env.DB.prepare("DELETE FROM outbox"),
      env.DB.prepare("DELETE FROM dead_letters"),
    ]);
  });

  it("replaying an UNDELIVERABLE dead letter puts the event back in the outbox for the subscriber it names, and the relay sends it", async () => {
    const now = Date.now();
    await env.DB.batch([insertOutbox("undelivered", now - 8 * DAY, ["audit"])]);
    await pruneRetention(env.DB, { now });
    const letter = await env.DB.prepare(
      "SELECT id, body, queue, message_id AS messageId FROM dead_letters WHERE event_id = 'undelivered'",
    ).first<{ id: string; body: string; queue: string; messageId: string }>();
    const notThisService = () => {
      throw new Error("the producer must not apply its own undelivered event");
    };
    const result = await replayDeadLetter(
      env.DB,
      letter as NonNullable<typeof letter>,
      env,
      notThisService,
    );
    expect(result).toEqual({ resolved: true, outcome: "resent" });
    expect(
      await count(
        "SELECT count(*) AS n FROM dead_letters WHERE event_id = 'undelivered' AND resolution = 'replayed'",
      ),
    ).toBe(1);
    // Awaiting that subscriber only, due now: the relay's next run sends it, receipts and all.
    expect(
      await count(
        `SELECT count(*) AS n FROM outbox WHERE event_id = 'undelivered'
           AND awaiting = '["audit"]' AND next_resend_at <= ${Date.now()}`,
      ),
    ).toBe(1);
    const before = (await relay().status()).resentTotal;
    await relay().poke();
    await vi.waitFor(
      async () =>
        expect(
          await count(
            "SELECT count(*) AS n FROM outbox WHERE event_id = 'undelivered' AND resends = 1",
          ),
        ).toBe(1),
      { timeout: 5_000, interval: 20 },
    );
    expect((await relay().status()).resentTotal).toBe(before + 1);
    await env.DB.prepare("DELETE FROM outbox WHERE event_id = 'undelivered'").run();
    // Without the subscriber's binding it stays open, and says why.
    await env.DB.batch([insertOutbox("undelivered-2", now - 8 * DAY, ["nobody"])]);
    await pruneRetention(env.DB, { now });
    const orphan = await env.DB.prepare(
      "SELECT id, body, queue, message_id AS messageId FROM dead_letters WHERE event_id = 'undelivered-2'",
    ).first<{ id: string; body: string; queue: string; messageId: string }>();
    expect(
      await replayDeadLetter(env.DB, orphan as NonNullable<typeof orphan>, env, notThisService),
    ).toMatchObject({ resolved: false, code: "REPLAY_FAILED" });
    await env.DB.batch([env.DB.prepare("DELETE FROM dead_letters")]);
  });
});
