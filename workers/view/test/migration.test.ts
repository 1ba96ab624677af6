import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const PAYMENT_MIGRATION = "0003_payment.sql";

describe("migration 0003 (payment)", () => {
  it("adds the payment columns to the rows already there, with their CHECK", async () => {
    const db = env.MIGRATION_DB;
    const upTo = env.TEST_MIGRATIONS.findIndex((m) => m.name === PAYMENT_MIGRATION);
    expect(upTo).toBeGreaterThan(0);
    await applyD1Migrations(db, env.TEST_MIGRATIONS.slice(0, upTo));
    await db
      .prepare(
        `INSERT INTO view_orders (order_id, customer_id, status, status_rank, total_cents,
           points_redeemed, stock, placed_at, updated_at)
         VALUES ('o-1', 'c-1', 'CONFIRMED', 1, 900, 0, 'RESERVED', 1000, 2000),
                ('o-2', NULL, 'PENDING', 0, NULL, NULL, 'PENDING', NULL, 3000)`,
      )
      .run();
    const before = await db.prepare("SELECT * FROM view_orders ORDER BY order_id").all();

    await applyD1Migrations(db, env.TEST_MIGRATIONS);

    // Orders from before payment: nothing heard of their payment yet.
    expect((await db.prepare("SELECT * FROM view_orders ORDER BY order_id").all()).results).toEqual(
      before.results.map((row) => ({
        ...row,
        payment_status: "PENDING",
        payment_rank: 0,
        payment_amount_cents: null,
      })),
    );
    await db
      .prepare(
        "UPDATE view_orders SET payment_status = 'CAPTURED', payment_rank = 5, payment_amount_cents = 900 WHERE order_id = 'o-1'",
      )
      .run();
    await expect(
      db.prepare("UPDATE view_orders SET payment_status = 'PAID' WHERE order_id = 'o-1'").run(),
    ).rejects.toThrow(/CHECK constraint failed/);
    await expect(
      db.prepare("UPDATE view_orders SET stock = 'LOST' WHERE order_id = 'o-1'").run(),
    ).rejects.toThrow(/CHECK constraint failed/);
    const indexes = await db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'view_orders'")
      .all<{ name: string }>();
    expect(indexes.results.map((r) => r.name)).toContain("view_orders_customer_idx");
  });
});
