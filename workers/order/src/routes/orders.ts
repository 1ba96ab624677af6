import {
  IdParam,
  type Order,
  OrderListQuery,
  PlaceOrderInput,
  REQUEST_ID_HEADER,
} from "@edge-saga/contracts";
import {
  type Envelope,
  HttpError,
  isConstraintError,
  newId,
  outboxInserts,
  pokeRelay,
  retryOnConflict,
  runBatch,
  type Statement,
  validate,
} from "@edge-saga/shared";
import { and, asc, desc, eq, inArray, lt } from "drizzle-orm";
import { type Context, Hono } from "hono";
import { z } from "zod";
import { type Database, database } from "../db/client";
import { claimKey, completeClaim, releaseClaim, whileClaimOwned } from "../db/idempotency-store";
import {
  changedRow,
  changeStatements,
  findItems,
  findOrder,
  sagaStateOf,
  toOrderJson,
} from "../db/order-store";
import {
  catalogProducts,
  type IdempotencyKeyRow,
  idempotencyKeys,
  type OrderRow,
  orderItems,
  orders as ordersTable,
  orderTransitions,
} from "../db/tables";
import { IDEMPOTENCY_KEY_PATTERN, judgeStoredKey, requestHash } from "../domain/idempotency";
import { MAX_TOTAL_CENTS, type PricingResult, priceOrder } from "../domain/pricing";
import { decideCancel, initialState } from "../domain/saga";
import { orderEvent, orderPlacedEvent } from "../events/order-events";
import { directPublishBaseline, publishDirectly } from "./direct-publish-baseline";

type AppContext = Context<{ Bindings: Env }>;

const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .regex(IDEMPOTENCY_KEY_PATTERN, `must match ${IDEMPOTENCY_KEY_PATTERN.source}`)
    .optional(),
});

/** 4 bound parameters per line: 25 lines is D1's 100-parameter limit; stay below it. */
const ITEMS_PER_INSERT = 20;
/** Cancel re-reads and re-decides this often when a saga reply changed the order meanwhile. */
const CANCEL_ATTEMPTS = 3;
/** What the envelope accepts as a causation id; anything else is replaced by a fresh id. */
const REQUEST_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;

/** The gateway's request id becomes the causation id of the events a command emits. */
function requestIdOf(c: AppContext): string {
  const header = c.req.header(REQUEST_ID_HEADER);
  return header && REQUEST_ID_PATTERN.test(header) ? header : newId();
}

function replay(stored: IdempotencyKeyRow): Response {
  const headers = new Headers({
    "content-type": "application/json",
    "Idempotent-Replayed": "true",
  });
  if (stored.responseStatus === 202) headers.set("Location", `/orders/${stored.orderId}`);
  return new Response(stored.responseBody, { status: stored.responseStatus ?? 200, headers });
}

const keyInFlight = (key: string) =>
  new HttpError(
    409,
    "IDEMPOTENCY_KEY_IN_FLIGHT",
    `a request with Idempotency-Key ${key} is still in progress`,
  );

async function orderOr404(db: Database, id: string): Promise<OrderRow> {
  const row = await findOrder(db, id);
  if (!row) throw new HttpError(404, "NOT_FOUND", `no order ${id}`);
  return row;
}

type Priced = Extract<PricingResult, { ok: true }>;

/** Prices the order from the local catalog replica, or throws the 422 the client must fix. */
async function priceFromReplica(db: Database, input: PlaceOrderInput): Promise<Priced> {
  const skus = input.items.map((item) => item.sku);
  const known = await db
    .select({ sku: catalogProducts.sku, priceCents: catalogProducts.priceCents })
    .from(catalogProducts)
    .where(inArray(catalogProducts.sku, skus));
  const prices = new Map(known.map((p) => [p.sku, p.priceCents]));
  const priced = priceOrder(input.items, prices, input.pointsToRedeem);
  if (priced.ok) return priced;
  switch (priced.code) {
    case "UNKNOWN_PRODUCT":
      throw new HttpError(
        422,
        "UNKNOWN_PRODUCT",
        `unknown products: ${priced.skus.join(", ")}`,
        priced.skus.map((sku) => ({
          path: `items.${skus.indexOf(sku)}.sku`,
          message: `unknown product ${sku}`,
        })),
      );
    case "POINTS_EXCEED_TOTAL":
      throw new HttpError(
        422,
        "POINTS_EXCEED_TOTAL",
        `pointsToRedeem ${input.pointsToRedeem} exceeds the order total of ${priced.totalCents} cents`,
        [{ path: "pointsToRedeem", message: `must be at most ${priced.totalCents}` }],
      );
    case "TOTAL_TOO_LARGE":
      throw new HttpError(
        422,
        "TOTAL_TOO_LARGE",
        `the order total of ${priced.totalCents} cents exceeds the limit of ${MAX_TOTAL_CENTS}`,
      );
  }
}

/** The new order and the statements creating it: order, lines, first transition, OrderPlaced. */
function placement(
  db: Database,
  p: {
    orderId: string;
    input: PlaceOrderInput;
    priced: Priced;
    now: number;
    cause: string;
    key: string | undefined;
    /** False only for the bench's unsafe "direct publish" baseline: the caller sends the event itself. */
    outbox?: boolean;
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
    db.insert(ordersTable).values({
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
  if (p.outbox !== false) statements.push(...outboxInserts(db, [event]));
  return { order: toOrderJson(row, p.priced.lines), statements, event };
}

export const orders = new Hono<{ Bindings: Env }>()
  .post(
    "/",
    validate("header", IdempotencyHeaders),
    validate("json", PlaceOrderInput),
    async (c) => {
      const input = c.req.valid("json");
      const key = c.req.valid("header")["idempotency-key"];
      const db = database(c.env);
      const orderId = newId();
      const now = Date.now();
      const hash = key ? await requestHash(input) : "";

      if (key) {
        const claim = await claimKey(db, key, hash, orderId, now);
        if (claim.kind === "REPLAY") return replay(claim.stored);
        if (claim.kind === "REUSED") {
          throw new HttpError(
            422,
            "IDEMPOTENCY_KEY_REUSED",
            `Idempotency-Key ${key} was used with a different request body`,
          );
        }
        if (claim.kind === "IN_FLIGHT") throw keyInFlight(key);
      }

      try {
        const priced = await priceFromReplica(db, input);
        const cause = requestIdOf(c);
        const direct = directPublishBaseline(c);
        const { order, statements, event } = placement(db, {
          orderId,
          input,
          priced,
          now,
          cause,
          key,
          outbox: !direct,
        });
        const body = JSON.stringify(order);
        if (key) statements.push(completeClaim(db, key, orderId, { status: 202, body }));

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
          if (stored && judgeStoredKey(stored, hash, Date.now()) === "REPLAY") {
            return replay(stored);
          }
          throw keyInFlight(key);
        }
        if (direct) await publishDirectly(c.env, event);
        else c.executionCtx.waitUntil(pokeRelay(c.env.OUTBOX_RELAY, [event]));
        return c.body(body, 202, {
          "content-type": "application/json",
          Location: `/orders/${orderId}`,
        });
      } catch (error) {
        // Nothing was created: free the key so a corrected retry can use it (no-op once DONE).
        if (key) await releaseClaim(db, key, orderId);
        throw error;
      }
    },
  )
  .get("/", validate("query", OrderListQuery), async (c) => {
    const { customerId, cursor, limit } = c.req.valid("query");
    const db = database(c.env);
    const rows = await db
      .select()
      .from(ordersTable)
      .where(
        cursor
          ? and(eq(ordersTable.customerId, customerId), lt(ordersTable.id, cursor))
          : eq(ordersTable.customerId, customerId),
      )
      .orderBy(desc(ordersTable.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const items = await findItems(
      db,
      page.map((row) => row.id),
    );
    const list: Order[] = page.map((row) => toOrderJson(row, items.get(row.id) ?? []));
    return c.json({
      orders: list,
      nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
    });
  })
  .get("/:id", validate("param", IdParam), async (c) => {
    const db = database(c.env);
    const row = await orderOr404(db, c.req.valid("param").id);
    const items = await findItems(db, [row.id]);
    return c.json(toOrderJson(row, items.get(row.id) ?? []));
  })
  .get("/:id/history", validate("param", IdParam), async (c) => {
    const db = database(c.env);
    const row = await orderOr404(db, c.req.valid("param").id);
    const transitions = await db
      .select()
      .from(orderTransitions)
      .where(eq(orderTransitions.orderId, row.id))
      .orderBy(asc(orderTransitions.version));
    return c.json({
      orderId: row.id,
      transitions: transitions.map((t) => ({
        version: t.version,
        fromStatus: t.fromStatus,
        toStatus: t.toStatus,
        change: t.change,
        cause: t.cause,
        at: new Date(t.at).toISOString(),
      })),
    });
  })
  .post("/:id/cancel", validate("param", IdParam), async (c) => {
    const db = database(c.env);
    const id = c.req.valid("param").id;
    const cause = requestIdOf(c);
    const { row, state, event, now } = await retryOnConflict({
      attempts: CANCEL_ATTEMPTS,
      // A constraint refusal: a saga reply changed the order since we read it.
      attempt: async () => {
        const row = await orderOr404(db, id);
        const decision = decideCancel(sagaStateOf(row));
        if (decision.kind === "refuse") {
          throw new HttpError(
            409,
            "INVALID_STATE",
            `order ${id} is ${row.status} and cannot be cancelled`,
          );
        }
        const now = Date.now();
        const event = orderEvent(row, decision.event, row.version + 1, { causationId: cause });
        await runBatch(db, [
          ...changeStatements(db, row, decision.state, { change: "CancelOrder", cause, now }),
          ...outboxInserts(db, [event]),
        ]);
        return { row, state: decision.state, event, now };
      },
      onExhausted: () => {
        throw new HttpError(409, "CONFLICT", `order ${id} kept changing; try again`);
      },
    });
    c.executionCtx.waitUntil(pokeRelay(c.env.OUTBOX_RELAY, [event]));
    const items = await findItems(db, [id]);
    return c.json(toOrderJson(changedRow(row, state, now), items.get(id) ?? []), 202);
  });
