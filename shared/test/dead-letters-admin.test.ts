import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storeDeadLetter } from "../src/dead-letters/dead-letters";
import { adminFingerprint, CALLER_HEADER } from "../src/http/caller";
import { admin } from "./fault-support";
import { count, db, increment, tallyValue } from "./helpers";
import { catalog } from "./worker/src/catalog";

let n = 0;
/** Stores a dead letter of `body` (with what is given of it) and returns its id. */
async function deadLetter(
  body: unknown,
  more: { reason?: string; eventType?: string; at?: number } = {},
): Promise<string> {
  const messageId = `dl-${++n}-${Date.now()}`;
  await storeDeadLetter(
    db,
    {
      queue: "tester-inbox-dlq",
      messageId,
      body,
      reason: more.reason ?? "test",
      eventType: more.eventType,
      attempts: 3,
    },
    more.at,
  );
  const row = await env.DB.prepare("SELECT id FROM dead_letters WHERE message_id = ?")
    .bind(messageId)
    .first<{ id: string }>();
  return row?.id as string;
}

const post = (path: string) => admin(path, { method: "POST" });
const row = (id: string) =>
  env.DB.prepare("SELECT resolution, resolved_at FROM dead_letters WHERE id = ?")
    .bind(id)
    .first<{ resolution: string | null; resolved_at: number | null }>();
const code = async (res: Response) =>
  ((await res.json()) as { error: { code: string } }).error.code;

describe("dead letters for operators", () => {
  it("replay applies the stored event through the consumer once and marks it replayed; a second replay is refused", async () => {
    const event = increment("replay", 6);
    const id = await deadLetter(event);
    const res = await post(`/dead-letters/${id}/replay`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id, resolution: "replayed", outcome: "applied" });
    expect(await tallyValue("replay")).toBe(6);
    expect(await row(id)).toMatchObject({
      resolution: "replayed",
      resolved_at: expect.any(Number),
    });
    expect(await count("SELECT COUNT(*) AS n FROM inbox WHERE event_id = ?", event.id)).toBe(1);

    const again = await post(`/dead-letters/${id}/replay`);
    expect(again.status).toBe(409);
    expect(await code(again)).toBe("ALREADY_RESOLVED");
    expect(await tallyValue("replay")).toBe(6);
  });

  it("replaying an event that was applied meanwhile (or stored twice) does not apply it again", async () => {
    const event = increment("meanwhile", 2);
    const [a, b] = [await deadLetter(event), await deadLetter(event)];
    const results = await Promise.all([
      post(`/dead-letters/${a}/replay`),
      post(`/dead-letters/${b}/replay`),
    ]);
    const outcomes = await Promise.all(
      results.map((r) => r.json() as Promise<{ outcome: string }>),
    );
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(["applied", "duplicate"]);
    expect(await tallyValue("meanwhile")).toBe(2);
    expect((await row(a))?.resolution).toBe("replayed");
    expect((await row(b))?.resolution).toBe("replayed");
  });

  it("an invalid body stays dead (422), a handler that still fails stays dead (409)", async () => {
    const invalid = await deadLetter({
      ...increment("bad", 1),
      payload: { tallyId: "bad", by: -1 },
    });
    const res = await post(`/dead-letters/${invalid}/replay`);
    expect(res.status).toBe(422);
    expect(await code(res)).toBe("INVALID_MESSAGE");
    expect((await row(invalid))?.resolved_at).toBeNull();
    const garbage = await deadLetter("not json {");
    expect((await post(`/dead-letters/${garbage}/replay`)).status).toBe(422);

    const poison = await deadLetter(
      catalog.create("PoisonPill", {
        aggregateType: "t",
        aggregateId: "t",
        correlationId: "t",
        causationId: "t",
        payload: { note: "still failing" },
      }),
    );
    const failed = await post(`/dead-letters/${poison}/replay`);
    expect(failed.status).toBe(409);
    expect(await code(failed)).toBe("REPLAY_FAILED");
    expect((await row(poison))?.resolved_at).toBeNull();
    expect(await tallyValue("bad")).toBeNull();
  });

  it("discard marks it discarded without applying; resolved letters cannot be replayed or discarded again", async () => {
    const id = await deadLetter(increment("discard", 9));
    const res = await post(`/dead-letters/${id}/discard`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id, resolution: "discarded" });
    expect((await row(id))?.resolution).toBe("discarded");
    expect((await post(`/dead-letters/${id}/discard`)).status).toBe(409);
    expect((await post(`/dead-letters/${id}/replay`)).status).toBe(409);
    expect(await tallyValue("discard")).toBeNull();
    expect((await post("/dead-letters/nope/discard")).status).toBe(404);
    expect((await post("/dead-letters/nope/replay")).status).toBe(404);
  });

  it("lists open or resolved dead letters with ?status", async () => {
    const open = await deadLetter(increment("list", 1));
    const resolved = await deadLetter(increment("list", 1));
    await post(`/dead-letters/${resolved}/discard`);
    const ids = async (query: string) =>
      (
        (await (await admin(`/dead-letters${query}`)).json()) as { deadLetters: { id: string }[] }
      ).deadLetters.map((d) => d.id);
    const openIds = await ids("?status=open");
    const resolvedIds = await ids("?status=resolved");
    expect(openIds).toContain(open);
    expect(openIds).not.toContain(resolved);
    expect(resolvedIds).toContain(resolved);
    expect(resolvedIds).not.toContain(open);
    expect(await ids("")).toEqual(expect.arrayContaining([open, resolved]));
    expect((await admin("/dead-letters?status=maybe")).status).toBe(400);
  });
});

const TOKEN = "kit-test-admin-token";
/** A bulk call as the gateway forwards it: the caller header names the admin by fingerprint. */
async function bulk(action: "replay" | "discard", body: unknown, caller?: string) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const who = caller ?? `admin:${await adminFingerprint(TOKEN)}`;
  if (who) headers[CALLER_HEADER] = who;
  return admin(`/dead-letters/${action}`, { method: "POST", headers, body: JSON.stringify(body) });
}
type Bulk = {
  matched: number;
  sample: { id: string }[];
  resolved: number;
  failed: { id: string; code: string }[];
  untried: number;
  auditId: string | null;
};
type Audit = { id: string; actor: string; action: string; filter: unknown; count: number };
const auditRows = () => count("SELECT COUNT(*) AS n FROM dead_letter_audit");
const openOf = async (ids: string[]) =>
  (await Promise.all(ids.map(row))).filter((r) => r?.resolved_at === null).length;

describe("dead letters in bulk, by filter, audited", () => {
  it("a dry run counts and samples the matches and changes nothing", async () => {
    const ids = [];
    for (let i = 0; i < 12; i++)
      ids.push(await deadLetter(increment(`dry-${i}`, 1), { reason: "dry: upstream down" }));
    const before = await auditRows();
    const res = await bulk("replay", { filter: { reason: "dry: upstream" }, dryRun: true });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as Bulk;
    expect(answer).toMatchObject({ matched: 12, resolved: 0, failed: [], auditId: null });
    // The oldest ten, in the order received.
    expect(answer.sample.map((d) => d.id)).toEqual(ids.slice(0, 10));
    expect(await openOf(ids)).toBe(12);
    expect(await tallyValue("dry-0")).toBeNull();
    expect(await auditRows()).toBe(before);
  });

  it("acts only on open dead letters matching every criterion: type, reason, time range, ids", async () => {
    const t0 = Date.UTC(2026, 0, 1);
    const at = (minutes: number) => t0 + minutes * 60_000;
    const iso = (minutes: number) => new Date(at(minutes)).toISOString();
    const hit = [
      await deadLetter("x", { eventType: "Typed", reason: "flt: boom A", at: at(1) }),
      await deadLetter("x", { eventType: "Typed", reason: "flt: boom B", at: at(5) }),
    ];
    const miss = [
      await deadLetter("x", { eventType: "Other", reason: "flt: boom", at: at(2) }), // type
      await deadLetter("x", { eventType: "Typed", reason: "flt: BOOM", at: at(3) }), // case
      await deadLetter("x", { eventType: "Typed", reason: "flt: boom", at: at(10) }), // after `to`
      await deadLetter("x", { eventType: "Typed", reason: "flt: boom", at: at(0) - 1 }), // before
    ];
    const resolvedAlready = await deadLetter("x", {
      eventType: "Typed",
      reason: "flt: boom",
      at: at(4),
    });
    await post(`/dead-letters/${resolvedAlready}/discard`);
    const filter = {
      eventType: "Typed",
      reason: "boom",
      receivedFrom: iso(0),
      receivedTo: iso(10),
    };

    const res = await bulk("discard", { filter, dryRun: false });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as Bulk;
    expect(answer).toMatchObject({ matched: 2, resolved: 2, untried: 0 });
    expect(answer.sample.map((d) => d.id)).toEqual(hit);
    for (const id of hit) expect((await row(id))?.resolution).toBe("discarded");
    expect(await openOf(miss)).toBe(miss.length);

    // By ids: only those named, and only the open ones among them.
    const byIds = await bulk("discard", {
      filter: { ids: [miss[0], resolvedAlready, "no-such-id"] },
      dryRun: false,
    });
    expect(((await byIds.json()) as Bulk).resolved).toBe(1);
    expect(await openOf(miss)).toBe(miss.length - 1);
  });

  it("replays through the consumer, records one audit row naming the token's fingerprint, never the token", async () => {
    const good = [
      await deadLetter(increment("bulk-a", 2), { reason: "rpl: lost" }),
      await deadLetter(increment("bulk-b", 3), { reason: "rpl: lost" }),
    ];
    const bad = await deadLetter(
      { ...increment("bulk-c", 1), payload: { by: -1 } },
      {
        reason: "rpl: lost",
      },
    );
    const filter = { reason: "rpl: lost" };
    const res = await bulk("replay", { filter, dryRun: false });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as Bulk;
    expect(answer).toMatchObject({ matched: 3, resolved: 2, untried: 0 });
    expect(answer.failed).toEqual([expect.objectContaining({ id: bad, code: "INVALID_MESSAGE" })]);
    expect(await tallyValue("bulk-a")).toBe(2);
    expect(await tallyValue("bulk-b")).toBe(3);
    for (const id of good) expect((await row(id))?.resolution).toBe("replayed");
    expect((await row(bad))?.resolved_at).toBeNull();

    const listed = await admin("/dead-letters/audit");
    const { audit } = (await listed.json()) as { audit: Audit[] };
    const fingerprint = await adminFingerprint(TOKEN);
    expect(fingerprint).toMatch(/^[0-9a-f]{12}$/);
    expect(audit[0]).toMatchObject({
      id: answer.auditId,
      actor: fingerprint,
      action: "replay",
      filter,
      count: 2,
    });
    const stored = await env.DB.prepare("SELECT * FROM dead_letter_audit").all();
    expect(JSON.stringify(stored.results)).not.toContain(TOKEN);
  });

  it("lists the audit newest first, a page at a time", async () => {
    for (const i of [1, 2, 3])
      await bulk("discard", { filter: { reason: `page-${i}` }, dryRun: false });
    const page = async (query: string) =>
      (await (await admin(`/dead-letters/audit${query}`)).json()) as {
        audit: Audit[];
        next: string | null;
      };
    const first = await page("?limit=2");
    expect(first.audit.map((a) => a.filter)).toEqual([{ reason: "page-3" }, { reason: "page-2" }]);
    const second = await page(`?limit=2&after=${first.next}`);
    expect(second.audit[0]?.filter).toEqual({ reason: "page-1" });
  });

  it("refuses a bad filter (400) and a caller that is not an admin (401, 403), writing nothing", async () => {
    const id = await deadLetter(increment("refused", 1), { reason: "ref: x" });
    const before = await auditRows();
    const bad = [
      {},
      { dryRun: false },
      { filter: {}, dryRun: false },
      { filter: { reason: "ref: x" } },
      { filter: { reason: "ref: x", other: 1 }, dryRun: false },
      { filter: { reason: "" }, dryRun: false },
      { filter: { receivedFrom: "yesterday" }, dryRun: false },
      {
        filter: { receivedFrom: "2026-01-02T00:00:00Z", receivedTo: "2026-01-01T00:00:00Z" },
        dryRun: false,
      },
      { filter: { ids: [] }, dryRun: false },
    ];
    for (const body of bad) {
      const res = await bulk("discard", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await code(res)).toBe("VALIDATION_FAILED");
    }
    const good = { filter: { reason: "ref: x" }, dryRun: false };
    const none = await bulk("discard", good, "");
    expect(none.status).toBe(401);
    expect(await code(none)).toBe("UNAUTHENTICATED");
    expect((await bulk("replay", good, "customer:alice")).status).toBe(403);
    expect((await row(id))?.resolved_at).toBeNull();
    expect(await auditRows()).toBe(before);
  });
});
