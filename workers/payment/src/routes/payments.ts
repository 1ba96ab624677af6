import type { OrderPayment } from "@edge-saga/contracts";
import { orderRoutes, paymentSnapshotRoutes } from "@edge-saga/contracts/http";
import {
  callerOf,
  contractRoutes,
  HttpError,
  keysetPageOverShards,
  mayActFor,
  onShard,
  shardCount,
} from "@edge-saga/shared";
import { asc, gt } from "drizzle-orm";
import { database } from "../db/client";
import { readPayment } from "../db/payment-store";
import { payments } from "../db/tables";
import { orderShard } from "../shards";

/** Largest page of the checker's snapshot. */
export const SNAPSHOT_PAGE_MAX = 1000;

/**
 * `GET /orders/{id}/payment` (its contract definition): where the order's payment stands. 404
 * until the payment service heard of the order; the gateway then answers PENDING from the
 * order itself. Another customer's order is the same 404 (its existence not revealed): only
 * the order's customer, as the gateway verified the caller, or an operator reads it.
 */
export const paymentRoutes = contractRoutes<{ Bindings: Env }>().openapi(
  orderRoutes.getOrderPayment,
  async (c) => {
    const caller = callerOf(c);
    const { id } = c.req.valid("param");
    const shard = onShard(c.env, orderShard(id, shardCount(c.env)));
    const payment = await readPayment(database(shard), id);
    if (!payment || !mayActFor(caller, payment.customerId))
      throw new HttpError(404, "NOT_FOUND", `no payment for order ${id} yet`);
    const answer: OrderPayment = {
      orderId: payment.orderId,
      status: payment.status,
      amountCents: payment.amountCents,
    };
    return c.json(answer, 200);
  },
);

/**
 * `GET /admin/snapshot/payments?after=&limit=`: every payment row, keyset-paged by order id,
 * for the consistency checker, which compares them with the orders and the processor's ledger.
 * Over every shard; on several, each row names its `shard`.
 */
export const paymentSnapshot = contractRoutes<{ Bindings: Env }>().openapi(
  paymentSnapshotRoutes.getPaymentSnapshot,
  async (c) => {
    const { rows, next } = await keysetPageOverShards(
      c.env,
      c.req.url,
      SNAPSHOT_PAGE_MAX,
      (shard, after, limit) =>
        database(shard)
          .select({
            orderId: payments.orderId,
            requested: payments.requested,
            status: payments.status,
            amountCents: payments.amountCents,
            intentId: payments.intentId,
          })
          .from(payments)
          .where(gt(payments.orderId, after))
          .orderBy(asc(payments.orderId))
          .limit(limit)
          .all(),
      (payment) => payment.orderId,
    );
    return c.json({ payments: rows, next }, 200);
  },
);
