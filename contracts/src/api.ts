import { IdSchema } from "@edge-saga/shared/events";
import { z } from "zod";
import { RejectionReason } from "./events";

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
  customerId: IdSchema,
  items: z
    .array(z.strictObject({ sku: Sku, quantity: z.number().int().min(1).max(1000) }))
    .min(1)
    .max(50)
    .refine(
      (items) => new Set(items.map((i) => i.sku)).size === items.length,
      "skus must be unique",
    ),
  pointsToRedeem: z.number().int().min(0).max(1_000_000_000).default(0),
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
  customerId: IdSchema,
  cursor: IdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const OrderList = z.object({ orders: z.array(Order), nextCursor: IdSchema.nullable() });

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

/** Header carrying the request id the gateway assigns; services use it as the causation id of commands. */
export const REQUEST_ID_HEADER = "x-request-id";
