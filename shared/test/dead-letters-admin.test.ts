import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storeDeadLetter } from "../src/dead-letters/dead-letters";
import { admin } from "./fault-support";
import { count, db, increment, tallyValue } from "./helpers";
import { catalog } from "./worker/src/catalog";

let n = 0;
/** Stores a dead letter of `body` and returns its id. */
async function deadLetter(body: unknown): Promise<string> {
  const messageId = `dl-${++n}-${Date.now()}`;
  await storeDeadLetter(db, {
    queue: "tester-inbox-dlq",
    messageId,
    body,
    reason: "test",
    attempts: 3,
  });
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
