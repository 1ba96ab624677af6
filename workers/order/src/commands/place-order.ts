import type { Order, PlaceOrderInput } from "@edge-saga/contracts";
import {
  type Envelope,
  isConstraintError,
  newId,
  outboxInserts,
  runBatch,
  type Statement,
} from "@edge-saga/shared";
import { eq, inArray } from "drizzle-orm";
import type { Database } from "../db/client";
import { claimKey, completeClaim, releaseClaim, whileClaimOwned } from "../db/idempotency-store";
import { toOrderJson } from "../db/order-store";
import {
  catalogProducts,
  type IdempotencyKeyRow,
  idempotencyKeys,
  type OrderRow,
  orderItems,
  orders,
  orderTransitions,
} from "../db/tables";
import { judgeStoredKey, requestHash } from "../domain/idempotency";
import { type PricingResult, priceOrder } from "../domain/pricing";
import { initialState } from "../domain/saga";
import { orderPlacedEvent } from "../events/order-events";

export interface PlaceOrderRequest {
  input: PlaceOrderInput;
  /** The client's Idempotency-Key, already validated. */
  key?: string;
  /** Causation id of the OrderPlaced event (the gateway's request id). */
  cause: string;
}

export type PricingFailure = Extract<PricingResult, { ok: false }>;

export type PlaceOrderOutcome =
  /** Committed with OrderPlaced; `body` is the order JSON, stored as the key's answer. */
  | { kind: "PLACED"; order: Order; body: string; event: Envelope }
  /** The key was already answered for this very request: send that answer again. */
  | { kind: "REPLAY"; stored: IdempotencyKeyRow }
  | { kind: "KEY_REUSED"; key: string }
  | { kind: "KEY_IN_FLIGHT"; key: string }
  /** The catalog replica cannot price the order as asked: the client must fix it. */
  | { kind: "UNPRICEABLE"; failure: PricingFailure };

export interface PlaceOrderOptions {
  /**
   * False only for the bench's unsafe "direct publish" baseline (routes/bench.ts): no outbox
   * row is written and the caller sends the returned event itself.
   */
  outbox?: boolean;
}

/** 4 bound parameters per line: 25 lines is D1's 100-parameter limit; stay below it. */
const ITEMS_PER_INSERT = 20;

/**
 * Places an order: claims the Idempotency-Key (if any), prices the order from the catalog
 * replica and commits the order, its first transition, OrderPlaced in the outbox and the
 * key's stored answer in one batch. The caller pokes the relay after PLACED.
 */
export async function placeOrder(
  db: Database,
  request: PlaceOrderRequest,
  options: PlaceOrderOptions = {},
): Promise<PlaceOrderOutcome> {
  const { input, key } = request;
  const orderId = newId();
  const now = Date.now();
  const hash = key ? await requestHash(input) : "";

  if (key) {
    const claim = await claimKey(db, key, hash, orderId, now);
    if (claim.kind === "REPLAY") return claim;
    if (claim.kind === "REUSED") return { kind: "KEY_REUSED", key };
    if (claim.kind === "IN_FLIGHT") return { kind: "KEY_IN_FLIGHT", key };
  }

  try {
    const outcome = await commitPlacement(db, request, { orderId, now, hash }, options);
    // Nothing was created: free the key so a corrected retry can use it (no-op unless still ours).
    if (key && outcome.kind !== "PLACED") await releaseClaim(db, key, orderId);
    return outcome;
  } catch (error) {
    if (key) await releaseClaim(db, key, orderId);
    throw error;
  }
}

async function commitPlacement(
  db: Database,
  { input, key, cause }: PlaceOrderRequest,
  p: { orderId: string; now: number; hash: string },
  options: PlaceOrderOptions,
): Promise<PlaceOrderOutcome> {
  const priced = await priceFromReplica(db, input);
  if (!priced.ok) return { kind: "UNPRICEABLE", failure: priced };
  const { order, statements, event } = placement(db, {
    ...p,
    input,
    priced,
    cause,
    key,
    outbox: options.outbox !== false,
  });
  const body = JSON.stringify(order);
  if (key) statements.push(completeClaim(db, key, p.orderId, { status: 202, body }));

  try {
    await runBatch(db, statements);
  } catch (error) {
    if (!key || !isConstraintError(error)) throw error;
    // Our claim was taken over: answer as the request now holding the key would.
    const stored = await db
      .select()
      .from(idempotencyKeys)
      .where(eq(idempotencyKeys.key, key))
      .get();
    if (stored && judgeStoredKey(stored, p.hash, Date.now()) === "REPLAY") {
      return { kind: "REPLAY", stored };
    }
    return { kind: "KEY_IN_FLIGHT", key };
  }
  return { kind: "PLACED", order, body, event };
}

async function priceFromReplica(db: Database, input: PlaceOrderInput): Promise<PricingResult> {
  const skus = input.items.map((item) => item.sku);
  const known = await db
    .select({ sku: catalogProducts.sku, priceCents: catalogProducts.priceCents })
    .from(catalogProducts)
    .where(inArray(catalogProducts.sku, skus));
  const prices = new Map(known.map((p) => [p.sku, p.priceCents]));
  return priceOrder(input.items, prices, input.pointsToRedeem);
}

/** The new order and the statements creating it: order, lines, first transition, OrderPlaced. */
function placement(
  db: Database,
  p: {
    orderId: string;
    input: PlaceOrderInput;
    priced: Extract<PricingResult, { ok: true }>;
    now: number;
    cause: string;
    key: string | undefined;
    outbox: boolean;
  },
): { order: Order; statements: Statement[]; event: Envelope } {
  const saga = initialState(p.priced.totalCents, p.input.pointsToRedeem);
  const row: OrderRow = {
    id: p.orderId,
    customerId: p.input.customerId,
    status: saga.status,
    totalCents: saga.totalCents,
    pointsRedeemed: saga.pointsRedeemed,
    pointsEarned: saga.pointsEarned,
    rejectionReason: saga.rejectionReason,
    stockState: saga.stockState,
    pointsState: saga.pointsState,
    version: 1,
    createdAt: p.now,
    updatedAt: p.now,
    confirmedAt: null,
    pointsAwardedAt: null,
  };
  const statements: Statement[] = [
    db.insert(orders).values({
      ...row,
      // With a key, a request whose claim was taken over (it looked abandoned) inserts
      // NULL here; NOT NULL rolls the batch back, so a key never creates two orders.
      status: p.key ? whileClaimOwned(row.status, p.key, row.id) : row.status,
    }),
  ];
  for (let i = 0; i < p.priced.lines.length; i += ITEMS_PER_INSERT) {
    const chunk = p.priced.lines.slice(i, i + ITEMS_PER_INSERT);
    statements.push(db.insert(orderItems).values(chunk.map((l) => ({ orderId: row.id, ...l }))));
  }
  statements.push(
    db.insert(orderTransitions).values({
      orderId: row.id,
      version: 1,
      fromStatus: null,
      toStatus: row.status,
      change: "PlaceOrder",
      cause: p.cause,
      at: p.now,
    }),
  );
  const event = orderPlacedEvent(row, p.priced.lines, { causationId: p.cause });
  if (p.outbox) statements.push(...outboxInserts(db, [event]));
  return { order: toOrderJson(row, p.priced.lines), statements, event };
}
