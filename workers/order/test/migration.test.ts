import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const DEADLINE_MIGRATION = "0004_saga_deadline.sql";

describe("migrations 0004 (saga deadline) and 0008 (payment)", () => {
  it("rebuilds orders under their lines and transitions, keeping every row and every constraint", async () => {
    const db = env.MIGRATION_DB;
    const upTo = env.TEST_MIGRATIONS.findIndex((m) => m.name === DEADLINE_MIGRATION);
    expect(upTo).toBeGreaterThan(0);
    await applyD1Migrations(db, env.TEST_MIGRATIONS.slice(0, upTo));
    // Orders with lines and transitions: the children whose foreign keys the rebuild must survive.
    await db.batch([
      db.prepare(
        `INSERT INTO orders (id, customer_id, status, total_cents, points_redeemed, rejection_reason,
           stock_state, points_state, version, created_at, updated_at)
         VALUES ('o-1', 'c-1', 'PENDING', 500, 0, NULL, 'PENDING', 'NOT_NEEDED', 1, 1000, 1000),
                ('o-2', 'c-2', 'REJECTED', 700, 0, 'OUT_OF_STOCK', 'FAILED', 'NOT_NEEDED', 2, 2000, 2100)`,
      ),
      db.prepare(
        `INSERT INTO order_items (order_id, sku, quantity, unit_price_cents)
         VALUES ('o-1', 'sku-a', 1, 500), ('o-2', 'sku-b', 1, 700)`,
      ),
      db.prepare(
        `INSERT INTO order_transitions (order_id, version, from_status, to_status, change, cause, at)
         VALUES ('o-1', 1, NULL, 'PENDING', 'PlaceOrder', 'r-1', 1000),
                ('o-2', 1, NULL, 'PENDING', 'PlaceOrder', 'r-2', 2000),
                ('o-2', 2, 'PENDING', 'REJECTED', 'StockReservationFailed', 'e-2', 2100)`,
      ),
    ]);
    const before = await db.prepare("SELECT * FROM orders ORDER BY id").all();

    await applyD1Migrations(db, env.TEST_MIGRATIONS);

    // 0006 adds write_path: every order placed before it went through the outbox.
    expect((await db.prepare("SELECT * FROM orders ORDER BY id").all()).results).toEqual(
      before.results.map((row) => ({
        ...row,
        write_path: "outbox",
        // 0008: orders placed before payment existed waited for no card.
        payment_state: "NOT_NEEDED",
        payment_method: null,
      })),
    );
    const count = async (table: string) =>
      (await db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>())?.n;
    expect(await count("order_items")).toBe(2);
    expect(await count("order_transitions")).toBe(3);
    expect(
      (await db.prepare("PRAGMA foreign_key_check").all()).results,
      "no line or transition lost its order",
    ).toEqual([]);
    // TIMED_OUT is a reason now; the other checks and the foreign keys still hold.
    await db
      .prepare(
        "UPDATE orders SET status = 'REJECTED', rejection_reason = 'TIMED_OUT', version = 2 WHERE id = 'o-1'",
      )
      .run();
    await expect(
      db.prepare("UPDATE orders SET rejection_reason = 'BORED' WHERE id = 'o-1'").run(),
    ).rejects.toThrow(/CHECK constraint failed/);
    await expect(
      db
        .prepare(
          "INSERT INTO order_items (order_id, sku, quantity, unit_price_cents) VALUES ('nope', 's', 1, 1)",
        )
        .run(),
    ).rejects.toThrow(/FOREIGN KEY constraint failed/);
    const indexes = await db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'orders'")
      .all<{ name: string }>();
    expect(indexes.results.map((r) => r.name)).toEqual(
      expect.arrayContaining(["orders_customer_idx", "orders_status_created_idx"]),
    );
  });
});
