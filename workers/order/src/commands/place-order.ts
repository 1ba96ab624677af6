import type { Order, PlaceOrderInput } from "@edge-saga/contracts";
import {
  capturedTrace,
  type Envelope,
  isConstraintError,
  newId,
  outboxInserts,
  runBatch,
  type Statement,
  slotOf,
  type TraceContext,
  withSlot,
} from "@edge-saga/shared";
import { eq, inArray } from "drizzle-orm";
import type { Database } from "../db/client";
import { claimKey, completeClaim, releaseClaim, whileClaimOwned } from "../db/idempotency-store";
import { creationStatements, placedRow, toOrderJson } from "../db/order-store";
import { catalogProducts, type IdempotencyKeyRow, idempotencyKeys } from "../db/tables";
import { customerKey, judgeStoredKey, requestHash } from "../domain/idempotency";
import { type PricingResult, priceOrder } from "../domain/pricing";
import { orderPlacedEvent } from "../events/order-events";

/** The body as placed: with the customer it is for (the caller, or the one an admin named). */
export type CustomerOrderInput = PlaceOrderInput & { customerId: string };

export interface PlaceOrderRequest {
  input: CustomerOrderInput;
  /** The client's Idempotency-Key, already validated; claimed as the customer's own. */
  key?: string;
  /** Causation id of the OrderPlaced event (the gateway's request id). */
  cause: string;
  /** The request's span (W3C Trace Context): OrderPlaced carries it, and so the whole saga. */
  trace?: TraceContext;
}

export type PricingFailure = Extract<PricingResult, { ok: false }>;

/** A key's stored answer: what a repeat of its request gets again. */
export type StoredAnswer = Pick<IdempotencyKeyRow, "orderId" | "responseStatus" | "responseBody">;

export type PlaceOrderOutcome =
  /**
   * Committed with OrderPlaced; `body` is the order JSON, stored as the key's answer. `event`:
   * the OrderPlaced written (outbox) or to send (caller); none when the trigger wrote it (cdc).
   */
  | { kind: "PLACED"; order: Order; body: string; event: Envelope | undefined }
  /** The key was already answered for this very request: send that answer again. */
  | { kind: "REPLAY"; stored: StoredAnswer }
  | { kind: "KEY_REUSED"; key: string }
  | { kind: "KEY_IN_FLIGHT"; key: string }
  /** The catalog replica cannot price the order as asked: the client must fix it. */
  | { kind: "UNPRICEABLE"; failure: PricingFailure };

/**
 * How the committed order's OrderPlaced leaves: an outbox row in the batch (`outbox`), the
 * trigger on the order's tables (`cdc`), or the caller sends it (`caller`: only the bench's
 * unsafe "direct publish" baseline, bench/bench-routes.ts). Self-read places no order here: see
 * publish-order.ts.
 */
export type PlacementPublish = "outbox" | "cdc" | "caller";

export interface PlaceOrderOptions {
  publish?: PlacementPublish;
}

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
  // The id names the customer's slot: any shard count finds the order from its id alone.
  const orderId = withSlot(newId(), slotOf(input.customerId));
  const now = Date.now();
  const hash = key ? await requestHash(input) : "";
  // The row's key: the client's key within its customer's own (the answers name the client's).
  const stored = key === undefined ? undefined : customerKey(input.customerId, key);

  if (key && stored) {
    const claim = await claimKey(db, stored, hash, orderId, now);
    if (claim.kind === "REPLAY") return claim;
    if (claim.kind === "REUSED") return { kind: "KEY_REUSED", key };
    if (claim.kind === "IN_FLIGHT") return { kind: "KEY_IN_FLIGHT", key };
  }

  try {
    const outcome = await commitPlacement(db, request, { orderId, now, hash, stored }, options);
    // Nothing was created: free the key so a corrected retry can use it (no-op unless still ours).
    if (stored && outcome.kind !== "PLACED") await releaseClaim(db, stored, orderId);
    return outcome;
  } catch (error) {
    if (stored) await releaseClaim(db, stored, orderId);
    throw error;
  }
}

async function commitPlacement(
  db: Database,
  { input, key, cause, trace }: PlaceOrderRequest,
  p: { orderId: string; now: number; hash: string; stored: string | undefined },
  options: PlaceOrderOptions,
): Promise<PlaceOrderOutcome> {
  const priced = await priceFromReplica(db, input);
  if (!priced.ok) return { kind: "UNPRICEABLE", failure: priced };
  const { order, statements, event } = placement(db, {
    ...p,
    input,
    priced,
    cause,
    trace,
    publish: options.publish ?? "outbox",
  });
  const body = JSON.stringify(order);
  if (p.stored) statements.push(completeClaim(db, p.stored, p.orderId, { status: 202, body }));

  try {
    await runBatch(db, statements);
  } catch (error) {
    if (!key || !p.stored || !isConstraintError(error)) throw error;
    // Our claim was taken over: answer as the request now holding the key would.
    const stored = await db
      .select()
      .from(idempotencyKeys)
      .where(eq(idempotencyKeys.key, p.stored))
      .get();
    if (stored && judgeStoredKey(stored, p.hash, Date.now()) === "REPLAY") {
      return { kind: "REPLAY", stored };
    }
    return { kind: "KEY_IN_FLIGHT", key };
  }
  return { kind: "PLACED", order, body, event };
}

export async function priceFromReplica(
  db: Database,
  input: PlaceOrderInput,
): Promise<PricingResult> {
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
    input: CustomerOrderInput;
    priced: Extract<PricingResult, { ok: true }>;
    now: number;
    cause: string;
    trace?: TraceContext;
    /** The stored key (customerKey) this placement claimed, if any. */
    stored: string | undefined;
    publish: PlacementPublish;
  },
): { order: Order; statements: Statement[]; event: Envelope | undefined } {
  const row = placedRow({
    id: p.orderId,
    customerId: p.input.customerId,
    totalCents: p.priced.totalCents,
    pointsRedeemed: p.input.pointsToRedeem,
    paymentMethod: p.input.paymentMethod ?? null,
    createdAt: p.now,
    writePath: p.publish === "cdc" ? "cdc" : "outbox",
  });
  const statements = creationStatements(db, row, p.priced.lines, {
    cause: p.cause,
    // With a key, a request whose claim was taken over (it looked abandoned) inserts
    // NULL here; NOT NULL rolls the batch back, so a key never creates two orders.
    guardedStatus: p.stored ? whileClaimOwned(row.status, p.stored, row.id) : undefined,
  });
  const order = toOrderJson(row, p.priced.lines);
  // cdc: the trigger on the first transition writes OrderPlaced; the code never builds it, and
  // stamps the request's trace on it in the same batch (a trigger cannot know the request).
  if (p.publish === "cdc")
    return {
      order,
      statements: [...statements, ...capturedTrace(db, row.id, p.trace)],
      event: undefined,
    };
  const event = orderPlacedEvent(row, p.priced.lines, { causationId: p.cause });
  if (p.publish === "outbox")
    statements.push(...outboxInserts(db, [event], p.now, undefined, p.trace));
  return { order, statements, event };
}
