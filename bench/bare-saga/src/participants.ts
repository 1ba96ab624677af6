import { batch, query } from "./counted";

/**
 * The saga's participants written plainly, one database each: the same decisions as the
 * services (design.md, "The saga"): inventory reserves all or nothing, rewards holds the points
 * to redeem (none in the bench's orders: a hold of 0), payment authorizes the rest (a sandbox
 * approval, recorded, with no processor call), the order confirms when all three said yes and
 * rejects on any no; on confirm stock is sold, the payment captured and points awarded
 * (floor((total - redeemed) / 100)); on reject each releases what it holds. Each action is one
 * D1 round trip. Used by the bare saga (queues) and the Workflow saga (steps) alike.
 */

export interface Env {
  ORDER_DB: D1Database;
  INVENTORY_DB: D1Database;
  REWARDS_DB: D1Database;
  PAYMENT_DB: D1Database;
}

export interface Order {
  id: string;
  customerId: string;
  sku: string;
  quantity: number;
  totalCents: number;
  pointsToRedeem: number;
}

/** Every table, created on /setup (idempotent) with the bench's stock. */
export async function setup(env: Env, skus: readonly string[], stock: number): Promise<void> {
  await batch(env.ORDER_DB, [
    [
      "CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, sku TEXT NOT NULL, quantity INTEGER NOT NULL, total_cents INTEGER NOT NULL, points INTEGER NOT NULL, status TEXT NOT NULL, stock TEXT, points_held TEXT, payment TEXT, placed_at INTEGER NOT NULL, decided_at INTEGER, points_awarded_at INTEGER)",
    ],
  ]);
  await batch(env.INVENTORY_DB, [
    [
      "CREATE TABLE IF NOT EXISTS stock (sku TEXT PRIMARY KEY, available INTEGER NOT NULL CHECK (available >= 0))",
    ],
    [
      "CREATE TABLE IF NOT EXISTS reservations (order_id TEXT PRIMARY KEY, sku TEXT NOT NULL, quantity INTEGER NOT NULL, status TEXT NOT NULL)",
    ],
    ...skus.map(
      (sku) =>
        [
          "INSERT INTO stock (sku, available) VALUES (?, ?) ON CONFLICT (sku) DO UPDATE SET available = excluded.available",
          sku,
          stock,
        ] as [string, ...unknown[]],
    ),
  ]);
  await batch(env.REWARDS_DB, [
    [
      "CREATE TABLE IF NOT EXISTS accounts (customer_id TEXT PRIMARY KEY, points INTEGER NOT NULL CHECK (points >= 0))",
    ],
    [
      "CREATE TABLE IF NOT EXISTS holds (order_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, points INTEGER NOT NULL, status TEXT NOT NULL)",
    ],
  ]);
  await batch(env.PAYMENT_DB, [
    [
      "CREATE TABLE IF NOT EXISTS payments (order_id TEXT PRIMARY KEY, amount_cents INTEGER NOT NULL, status TEXT NOT NULL)",
    ],
  ]);
}

/** The order, PENDING. */
export async function placeOrder(env: Env, o: Order): Promise<void> {
  await query(
    env.ORDER_DB,
    "INSERT INTO orders (id, customer_id, sku, quantity, total_cents, points, status, placed_at) VALUES (?, ?, ?, ?, ?, ?, 'PENDING', ?)",
    o.id,
    o.customerId,
    o.sku,
    o.quantity,
    o.totalCents,
    o.pointsToRedeem,
    Date.now(),
  );
}

/** All or nothing: the units taken and the reservation written in one transaction. */
export async function reserveStock(env: Env, o: Order): Promise<boolean> {
  const [, inserted] = await batch(env.INVENTORY_DB, [
    [
      "UPDATE stock SET available = available - ?2 WHERE sku = ?1 AND available >= ?2",
      o.sku,
      o.quantity,
    ],
    [
      "INSERT INTO reservations (order_id, sku, quantity, status) SELECT ?, ?, ?, 'RESERVED' WHERE changes() > 0 RETURNING order_id",
      o.id,
      o.sku,
      o.quantity,
    ],
  ]);
  return (inserted?.length ?? 0) > 0;
}

/** The reservation turned into sold (confirm) or its units put back (reject). */
export async function settleStock(env: Env, orderId: string, confirmed: boolean): Promise<void> {
  if (confirmed) {
    await query(
      env.INVENTORY_DB,
      "UPDATE reservations SET status = 'SOLD' WHERE order_id = ? AND status = 'RESERVED'",
      orderId,
    );
    return;
  }
  await batch(env.INVENTORY_DB, [
    [
      "UPDATE stock SET available = available + (SELECT quantity FROM reservations WHERE order_id = ?1 AND status = 'RESERVED') WHERE sku = (SELECT sku FROM reservations WHERE order_id = ?1 AND status = 'RESERVED')",
      orderId,
    ],
    [
      "UPDATE reservations SET status = 'RELEASED' WHERE order_id = ? AND status = 'RESERVED'",
      orderId,
    ],
  ]);
}

/** The points to redeem held (a hold of 0 when none are redeemed, as the bench's orders). */
export async function holdPoints(env: Env, o: Order): Promise<boolean> {
  if (o.pointsToRedeem === 0) {
    await query(
      env.REWARDS_DB,
      "INSERT INTO holds (order_id, customer_id, points, status) VALUES (?, ?, 0, 'HELD')",
      o.id,
      o.customerId,
    );
    return true;
  }
  const [, inserted] = await batch(env.REWARDS_DB, [
    [
      "UPDATE accounts SET points = points - ?2 WHERE customer_id = ?1 AND points >= ?2",
      o.customerId,
      o.pointsToRedeem,
    ],
    [
      "INSERT INTO holds (order_id, customer_id, points, status) SELECT ?, ?, ?, 'HELD' WHERE changes() > 0 RETURNING order_id",
      o.id,
      o.customerId,
      o.pointsToRedeem,
    ],
  ]);
  return (inserted?.length ?? 0) > 0;
}

/** Confirm: the hold captured and the earned points awarded. Reject: the held points returned. */
export async function settlePoints(env: Env, o: Order, confirmed: boolean): Promise<void> {
  if (confirmed) {
    await batch(env.REWARDS_DB, [
      ["UPDATE holds SET status = 'CAPTURED' WHERE order_id = ? AND status = 'HELD'", o.id],
      [
        "INSERT INTO accounts (customer_id, points) VALUES (?, ?) ON CONFLICT (customer_id) DO UPDATE SET points = points + excluded.points",
        o.customerId,
        Math.floor((o.totalCents - o.pointsToRedeem) / 100),
      ],
    ]);
    return;
  }
  await batch(env.REWARDS_DB, [
    [
      "UPDATE accounts SET points = points + (SELECT points FROM holds WHERE order_id = ?1 AND status = 'HELD') WHERE customer_id = (SELECT customer_id FROM holds WHERE order_id = ?1 AND status = 'HELD')",
      o.id,
    ],
    ["UPDATE holds SET status = 'RELEASED' WHERE order_id = ? AND status = 'HELD'", o.id],
  ]);
}

/** The amount not paid with points, authorized (the sandbox approves every bench card). */
export async function authorizePayment(env: Env, o: Order): Promise<boolean> {
  await query(
    env.PAYMENT_DB,
    "INSERT INTO payments (order_id, amount_cents, status) VALUES (?, ?, 'AUTHORIZED')",
    o.id,
    o.totalCents - o.pointsToRedeem,
  );
  return true;
}

/** Captured on confirm, voided on reject. */
export async function settlePayment(env: Env, orderId: string, confirmed: boolean): Promise<void> {
  await query(
    env.PAYMENT_DB,
    "UPDATE payments SET status = ? WHERE order_id = ? AND status = 'AUTHORIZED'",
    confirmed ? "CAPTURED" : "VOIDED",
    orderId,
  );
}

export type Participant = "stock" | "points_held" | "payment";

/**
 * One participant's answer recorded and, in the same transaction, the order decided if it can
 * be: CONFIRMED once all three said OK, REJECTED at the first no. Only the statement that
 * moves it out of PENDING returns a row, so of concurrent answers exactly one decides.
 */
export async function answer(
  env: Env,
  orderId: string,
  who: Participant,
  ok: boolean,
): Promise<{ decided: "CONFIRMED" | "REJECTED"; order: Order } | null> {
  const [, decided] = await batch(env.ORDER_DB, [
    [`UPDATE orders SET ${who} = ? WHERE id = ?`, ok ? "OK" : "NO", orderId],
    [
      `UPDATE orders SET status = CASE WHEN 'NO' IN (stock, points_held, payment) THEN 'REJECTED' ELSE 'CONFIRMED' END, decided_at = ?
       WHERE id = ? AND status = 'PENDING' AND ('NO' IN (stock, points_held, payment) OR (stock = 'OK' AND points_held = 'OK' AND payment = 'OK'))
       RETURNING status, id, customer_id, sku, quantity, total_cents, points`,
      Date.now(),
      orderId,
    ],
  ]);
  const row = decided?.[0];
  return row ? { decided: row.status as "CONFIRMED" | "REJECTED", order: orderOf(row) } : null;
}

/** The order decided by an orchestrator (the Workflow): one statement. */
export async function decide(env: Env, orderId: string, confirmed: boolean): Promise<void> {
  await query(
    env.ORDER_DB,
    "UPDATE orders SET status = ?, decided_at = ? WHERE id = ? AND status = 'PENDING'",
    confirmed ? "CONFIRMED" : "REJECTED",
    Date.now(),
    orderId,
  );
}

/** The saga's last step: the order learns its points were awarded. */
export async function pointsAwarded(env: Env, orderId: string): Promise<void> {
  await query(
    env.ORDER_DB,
    "UPDATE orders SET points_awarded_at = ? WHERE id = ?",
    Date.now(),
    orderId,
  );
}

/** What the bench polls: status and server-side times (epoch ms). */
export async function orderStatus(env: Env, id: string) {
  const [row] = await query<{
    status: string;
    placed_at: number;
    decided_at: number | null;
    points_awarded_at: number | null;
  }>(
    env.ORDER_DB,
    "SELECT status, placed_at, decided_at, points_awarded_at FROM orders WHERE id = ?",
    id,
  );
  return row
    ? {
        status: row.status,
        placedAt: row.placed_at,
        decidedAt: row.decided_at,
        pointsAwardedAt: row.points_awarded_at,
      }
    : null;
}

function orderOf(row: Record<string, unknown>): Order {
  return {
    id: String(row.id),
    customerId: String(row.customer_id),
    sku: String(row.sku),
    quantity: Number(row.quantity),
    totalCents: Number(row.total_cents),
    pointsToRedeem: Number(row.points),
  };
}

/** The body of POST /orders, as the bench sends it; the price is the bench products' price. */
export function orderFromRequest(body: unknown, priceCents: number): Order | null {
  const b = body as Partial<{
    customerId: string;
    sku: string;
    quantity: number;
    pointsToRedeem: number;
  }>;
  if (typeof b?.customerId !== "string" || typeof b.sku !== "string") return null;
  const quantity =
    Number.isInteger(b.quantity) && (b.quantity as number) > 0 ? (b.quantity as number) : 1;
  const points = Number.isInteger(b.pointsToRedeem) ? (b.pointsToRedeem as number) : 0;
  return {
    id: crypto.randomUUID(),
    customerId: b.customerId,
    sku: b.sku,
    quantity,
    totalCents: quantity * priceCents,
    pointsToRedeem: points,
  };
}
