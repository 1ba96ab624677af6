import { OutboxStatusSchema, RelayStatusSchema } from "@edge-saga/shared/admin-routes";
import { IdSchema } from "@edge-saga/shared/events";
import { z } from "zod";
import { PaymentMethod, RejectionReason } from "./events";

/**
 * Request and response shapes of the public HTTP API (design.md). The services
 * validate with them and the gateway documents them; one source for both.
 */

export const Sku = IdSchema;

export const ProductInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  priceCents: z.number().int().min(0).max(100_000_000),
  /** Sets the available units. */
  stock: z.number().int().min(0).max(1_000_000),
});
export type ProductInput = z.infer<typeof ProductInput>;

export const Product = z.object({
  sku: Sku,
  name: z.string(),
  priceCents: z.number().int(),
  available: z.number().int(),
  reserved: z.number().int(),
  sold: z.number().int(),
});
export type Product = z.infer<typeof Product>;

export const PlaceOrderInput = z.strictObject({
  /** The caller (the access token's `sub`); when given it must be hers. An admin must name one. */
  customerId: IdSchema.optional(),
  items: z
    .array(z.strictObject({ sku: Sku, quantity: z.number().int().min(1).max(1000) }))
    .min(1)
    .max(50)
    .refine(
      (items) => new Set(items.map((i) => i.sku)).size === items.length,
      "skus must be unique",
    ),
  pointsToRedeem: z.number().int().min(0).max(1_000_000_000).default(0),
  /** A card token (sandbox: tok_visa, tok_declined, tok_insufficient_funds); absent: the saved card. */
  paymentMethod: PaymentMethod.optional(),
});
export type PlaceOrderInput = z.infer<typeof PlaceOrderInput>;

export const OrderStatus = z.enum(["PENDING", "CONFIRMED", "REJECTED", "CANCELLED"]);
export type OrderStatus = z.infer<typeof OrderStatus>;

export const Order = z.object({
  id: IdSchema,
  customerId: IdSchema,
  status: OrderStatus,
  items: z.array(
    z.object({ sku: Sku, quantity: z.number().int(), unitPriceCents: z.number().int() }),
  ),
  totalCents: z.number().int(),
  pointsRedeemed: z.number().int(),
  pointsEarned: z.number().int(),
  rejectionReason: RejectionReason.nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Order = z.infer<typeof Order>;

export const OrderListQuery = z.strictObject({
  /** The caller's own when absent; when given it must be hers. An admin must name one. */
  customerId: IdSchema.optional(),
  cursor: IdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

/** Where the order's payment stands (design.md, Payment). */
export const PAYMENT_STATUSES = [
  "NOT_REQUIRED",
  "PENDING",
  "AUTHORIZED",
  "DECLINED",
  "CAPTURED",
  "VOIDED",
  "REFUNDED",
] as const;
export const PaymentStatus = z.enum(PAYMENT_STATUSES);
export type PaymentStatus = z.infer<typeof PaymentStatus>;

export const OrderPayment = z.object({
  orderId: IdSchema,
  status: PaymentStatus,
  /** totalCents - pointsRedeemed: what the card pays. */
  amountCents: z.number().int(),
});
export type OrderPayment = z.infer<typeof OrderPayment>;

export const OrderList = z.object({ orders: z.array(Order), nextCursor: IdSchema.nullable() });
export type OrderList = z.infer<typeof OrderList>;

/** One order as the view service (read model) shows it in a customer's history. */
export const CustomerOrder = z.object({
  id: IdSchema,
  customerId: IdSchema,
  status: OrderStatus,
  items: z.array(
    z.object({
      sku: Sku,
      /** The product's name from the catalog; null until its ProductUpserted arrived. */
      name: z.string().nullable(),
      quantity: z.number().int(),
      unitPriceCents: z.number().int(),
      /** The product's price now (it may have changed since the order). */
      currentPriceCents: z.number().int().nullable(),
    }),
  ),
  totalCents: z.number().int(),
  pointsRedeemed: z.number().int(),
  /** Points the order earns once CONFIRMED (0 before). */
  pointsEarned: z.number().int(),
  /** Points rewards credited (null until PointsAwarded arrived). */
  pointsAwarded: z.number().int().nullable(),
  rejectionReason: RejectionReason.nullable(),
  /** The order's stock: PENDING (no answer yet), RESERVED, FAILED, SOLD or RELEASED. */
  reservation: z.enum(["PENDING", "RESERVED", "FAILED", "SOLD", "RELEASED"]),
  /**
   * The order's card payment as the payment service's events tell it: PENDING until one
   * arrived; NOT_REQUIRED when points pay the whole total.
   */
  payment: z.object({
    status: PaymentStatus,
    /** What the card was asked for (0 when NOT_REQUIRED); null until the authorization's answer arrived. */
    amountCents: z.number().int().nullable(),
  }),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type CustomerOrder = z.infer<typeof CustomerOrder>;

export const CustomerOrdersQuery = z.strictObject({
  cursor: IdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

/** `GET /customers/{id}/orders`: newest first, `nextCursor` pages on. */
export const CustomerOrders = z.object({
  orders: z.array(CustomerOrder),
  nextCursor: IdSchema.nullable(),
});
export type CustomerOrders = z.infer<typeof CustomerOrders>;

export const RewardsAccount = z.object({
  customerId: IdSchema,
  balance: z.number().int(),
  reserved: z.number().int(),
  lifetimeEarned: z.number().int(),
});
export type RewardsAccount = z.infer<typeof RewardsAccount>;

export const GrantInput = z.strictObject({
  points: z.number().int().min(1).max(1_000_000_000),
  reason: z.string().trim().max(200).optional(),
});
export type GrantInput = z.infer<typeof GrantInput>;

export const IdParam = z.object({ id: IdSchema });
export const SkuParam = z.object({ sku: Sku });

/** One failing field of an error answer (shared/src/http/errors.ts `ErrorDetail`). */
export const ErrorDetail = z.object({
  path: z.string().meta({
    description: "The failing field, e.g. `items.0.sku`; `(root)` for the whole body.",
  }),
  message: z.string(),
});
export type ErrorDetail = z.infer<typeof ErrorDetail>;

/** The one error shape of the public API (shared/src/http/errors.ts `ErrorBody`). */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string().meta({
      description: "Stable UPPER_SNAKE code to branch on, e.g. `VALIDATION_FAILED`.",
    }),
    message: z.string().meta({ description: "Human-readable explanation; wording may change." }),
    details: z.array(ErrorDetail).optional().meta({ description: "One entry per failing field." }),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** One step of an order's life (workers/order/src/routes/orders.ts `GET /orders/:id/history`). */
export const OrderTransition = z.object({
  version: z.number().int().meta({ description: "1 for the placement, then one more per change." }),
  fromStatus: OrderStatus.nullable().meta({ description: "null for the placement." }),
  toStatus: OrderStatus,
  change: z.string().meta({ description: "The command or event type behind the change." }),
  cause: z.string().meta({ description: "Id of the request or event that caused the change." }),
  at: z.iso.datetime(),
});
export type OrderTransition = z.infer<typeof OrderTransition>;

export const OrderHistory = z.object({ orderId: IdSchema, transitions: z.array(OrderTransition) });
export type OrderHistory = z.infer<typeof OrderHistory>;

/** One balance change (workers/rewards/src/db/tables.ts `ledger`, LEDGER_KINDS). */
export const LedgerEntry = z.object({
  id: z.string(),
  customerId: IdSchema,
  orderId: IdSchema.nullable().meta({
    description: "The order the change belongs to; null for grants.",
  }),
  kind: z.enum(["GRANT", "REDEEM", "EARN", "REFUND", "CLAWBACK"]),
  points: z.number().int().meta({ description: "Signed change of the balance." }),
  reason: z.string().nullable(),
  causationId: z.string().meta({ description: "The event or request that caused the change." }),
  createdAt: z.iso.datetime(),
});
export type LedgerEntry = z.infer<typeof LedgerEntry>;

export const Ledger = z.object({
  entries: z.array(LedgerEntry).meta({ description: "Newest first." }),
});
export type Ledger = z.infer<typeof Ledger>;

/** What `POST /customers/{id}/rewards/grants` stored (workers/rewards/src/routes/customers.ts). */
export const Grant = z.object({
  id: z.string(),
  customerId: IdSchema,
  points: z.number().int(),
  reason: z.string().nullable(),
  createdAt: z.iso.datetime(),
});
export type Grant = z.infer<typeof Grant>;

// Admin: what the kit's operator routes answer, as the kit's route definitions declare it.

/** Relay state of one service (shared/src/admin/admin-schemas.ts). */
export const RelayStatus = RelayStatusSchema;
export type RelayStatus = z.infer<typeof RelayStatus>;

/** One service's `GET /admin/outbox` (shared/src/admin/admin-route-definitions.ts `getOutbox`). */
export const OutboxStatus = OutboxStatusSchema;
export type OutboxStatus = z.infer<typeof OutboxStatus>;

/** Header carrying the request id the gateway assigns; services use it as the causation id of commands. */
export const REQUEST_ID_HEADER = "x-request-id";

/** The largest request body the public API accepts (bytes). */
export const MAX_BODY_BYTES = 64 * 1024;
