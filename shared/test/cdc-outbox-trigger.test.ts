import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { outboxTriggerSql } from "../src/cdc/outbox-trigger";
import type { Envelope } from "../src/envelope";
import { count } from "./helpers";
import { catalog } from "./worker/src/catalog";
import { gadgetChangedTrigger } from "./worker/src/gadget-changed-trigger";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let n = 0;
const uniqueId = (prefix: string) => `${prefix}-${++n}-${Date.now()}`;

const run = (sql: string, ...params: unknown[]) =>
  env.DB.prepare(sql)
    .bind(...params)
    .run();

type Row = {
  event_id: string;
  type: string;
  correlation_id: string;
  body: string;
  created_at: number;
};

/** The gadget's captured events, in commit order. */
async function captured(id: string): Promise<{ row: Row; event: Envelope }[]> {
  const { results } = await env.DB.prepare(
    "SELECT event_id, type, correlation_id, body, created_at FROM outbox WHERE correlation_id = ? ORDER BY seq",
  )
    .bind(id)
    .all<Row>();
  return results.map((row) => ({ row, event: JSON.parse(row.body) as Envelope }));
}

describe("outbox triggers (change capture)", () => {
  it("the migration holds exactly what outboxTriggerSql generates for the spec", () => {
    const migration = env.TEST_MIGRATIONS.find((m) => m.name.includes("gadget_changed_trigger"));
    // On a mismatch, regenerate the migration's SQL from the spec instead of editing it by hand.
    expect(migration?.queries).toEqual(outboxTriggerSql(gadgetChangedTrigger));
  });

  it("an INSERT writes one complete envelope the catalog accepts, in the same statement", async () => {
    const id = uniqueId("ins");
    const before = Date.now();
    await run("INSERT INTO gadgets (id, label, price_cents) VALUES (?, 'Widget', 250)", id);
    const rows = await captured(id);
    expect(rows).toHaveLength(1);
    const { row, event } = rows[0]!;
    const parsed = catalog.parse(event);
    expect(parsed).toEqual({ ok: true, event });
    expect(event).toEqual({
      id: row.event_id,
      type: "GadgetChanged",
      version: 2,
      source: "tester",
      aggregateType: "gadget",
      aggregateId: id,
      sequence: 1,
      occurredAt: new Date(row.created_at).toISOString(),
      correlationId: id,
      causationId: "cdc:gadgets",
      payload: { id, label: "Widget", priceCents: 250 },
    });
    expect(row.type).toBe("GadgetChanged");
    expect(event.id).toMatch(UUID_V7);
    // The id's first 48 bits are the commit time in ms, so ids sort by time like uuidv7()'s.
    const idMs = Number.parseInt(event.id.replaceAll("-", "").slice(0, 12), 16);
    expect(idMs).toBe(row.created_at);
    expect(row.created_at).toBeGreaterThanOrEqual(before - 1000);
    expect(row.created_at).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it("an UPDATE emits only when a captured column really changed, the sequence counting up", async () => {
    const id = uniqueId("upd");
    await run("INSERT INTO gadgets (id, label, price_cents) VALUES (?, 'A', 1)", id);
    await run("UPDATE gadgets SET stock = 40 WHERE id = ?", id); // not captured
    await run("UPDATE gadgets SET label = 'A', price_cents = 1 WHERE id = ?", id); // no change
    await run("UPDATE gadgets SET label = 'B' WHERE id = ?", id);
    await run("UPDATE gadgets SET price_cents = 2, stock = 3 WHERE id = ?", id);
    const events = (await captured(id)).map((r) => r.event);
    expect(events.map((e) => [e.sequence, e.payload])).toEqual([
      [1, { id, label: "A", priceCents: 1 }],
      [2, { id, label: "B", priceCents: 1 }],
      [3, { id, label: "B", priceCents: 2 }],
    ]);
    expect(new Set(events.map((e) => e.id)).size).toBe(3);
    for (const e of events) expect(catalog.parse(e).ok).toBe(true);
  });

  it("keeps counting after the row is deleted and created again, and after outbox rows are pruned", async () => {
    const id = uniqueId("again");
    await run("INSERT INTO gadgets (id, label, price_cents) VALUES (?, 'A', 1)", id);
    await run("DELETE FROM gadgets WHERE id = ?", id);
    await run("DELETE FROM outbox WHERE correlation_id = ?", id);
    await run("INSERT INTO gadgets (id, label, price_cents) VALUES (?, 'A', 1)", id);
    expect((await captured(id)).map((r) => r.event.sequence)).toEqual([2]);
  });

  it("one multi-row statement emits one event per row", async () => {
    const [a, b] = [uniqueId("multi"), uniqueId("multi")];
    await run("INSERT INTO gadgets (id, label, price_cents) VALUES (?, 'A', 1), (?, 'B', 2)", a, b);
    await run("UPDATE gadgets SET price_cents = price_cents + 1 WHERE id IN (?, ?)", a, b);
    expect((await captured(a)).map((r) => r.event.sequence)).toEqual([1, 2]);
    expect((await captured(b)).map((r) => r.event.sequence)).toEqual([1, 2]);
  });

  it("refuses a change whose event would be too large for a queue message, rolling it back", async () => {
    const id = uniqueId("big");
    const attempt = run(
      "INSERT INTO gadgets (id, label, price_cents) VALUES (?, ?, 1)",
      id,
      "x".repeat(130_000),
    );
    await expect(attempt).rejects.toThrow(/GadgetChanged event over 120000 bytes/);
    expect(await count("SELECT COUNT(*) AS n FROM gadgets WHERE id = ?", id)).toBe(0);
    expect(await captured(id)).toEqual([]);
  });

  it("refuses specs that could inject SQL through a name", () => {
    expect(() =>
      outboxTriggerSql({ ...gadgetChangedTrigger, table: "gadgets; DROP TABLE outbox" }),
    ).toThrow(/not a plain SQL identifier/);
    expect(() => outboxTriggerSql({ ...gadgetChangedTrigger, on: {} })).toThrow(/needed/);
  });
});
