import { defineCatalog, defineEvent, IdSchema } from "@edge-saga/shared/events";
import { z } from "zod";

/**
 * The one event catalog of edge-saga: every event's payload schema, producer
 * and subscribers. The relays route from it; the inbox consumers validate with it.
 * Adding a subscriber here is how a new service starts receiving an event.
 */

const Sku = IdSchema;
const Quantity = z.number().int().min(1).max(1000);
const Cents = z.number().int().nonnegative().max(1_000_000_000);
const Points = z.number().int().nonnegative().max(1_000_000_000);

export const OrderLine = z.object({ sku: Sku, quantity: Quantity, unitPriceCents: Cents });
export const StockLine = z.object({ sku: Sku, quantity: Quantity });

const ProductName = z.string().min(1).max(200);

/** A card token or saved payment method's id, as the card processor names it. */
export const PaymentMethod = z
  .string()
  .regex(/^[A-Za-z0-9_]{1,64}$/, "must match ^[A-Za-z0-9_]{1,64}$");

/** Money with its currency: a bare number of cents cannot say which currency it counts. */
export const Price = z.object({
  amountCents: Cents,
  /** Only USD is sold today; a second currency is a new enum value consumers must handle. */
  currency: z.literal("USD"),
});

/**
 * Version 2: the price carries its currency (`price: { amountCents, currency }`). Version 1
 * (`priceCents`, implicitly USD) may still be in outboxes, queues, dead letters and replays
 * for as long as they are retained; its upcaster turns it into version 2, so the order
 * service reads version 2 only.
 */
export const ProductUpserted = defineEvent({
  type: "ProductUpserted",
  version: 2,
  producer: "inventory",
  subscribers: ["order", "view"],
  payload: z.object({ sku: Sku, name: ProductName, price: Price }),
  upcasters: {
    1: {
      payload: z.object({ sku: Sku, name: ProductName, priceCents: Cents }),
      up: ({ sku, name, priceCents }) => ({
        sku,
        name,
        price: { amountCents: priceCents, currency: "USD" },
      }),
    },
  },
});

export const OrderPlaced = defineEvent({
  type: "OrderPlaced",
  version: 1,
  producer: "order",
  subscribers: ["inventory", "rewards", "payment", "view"],
  payload: z.object({
    orderId: IdSchema,
    customerId: IdSchema,
    items: z.array(OrderLine).min(1).max(50),
    totalCents: Cents,
    pointsToRedeem: Points,
    /**
     * What pays `totalCents - pointsToRedeem`; null or absent: the customer's saved card.
     * Optional, so version 1 events written before payment existed still parse.
     */
    paymentMethod: PaymentMethod.nullish(),
  }),
});

/**
 * Which inventory shard answers, for an order whose SKUs live on several: each shard answers
 * for its own lines, and the order decides once every shard in `shards` has. Absent (an
 * inventory on one shard, or events written before shards): the answer covers the whole order.
 */
const InventoryShardAnswer = {
  /** The inventory shard that answers. */
  shard: z.number().int().min(0).max(255).optional(),
  /** Every inventory shard the order's SKUs live on, ascending; this one among them. */
  shards: z.array(z.number().int().min(0).max(255)).min(1).max(256).optional(),
};

export const StockReserved = defineEvent({
  type: "StockReserved",
  version: 1,
  producer: "inventory",
  subscribers: ["order", "view"],
  payload: z.object({
    orderId: IdSchema,
    items: z.array(StockLine).min(1),
    ...InventoryShardAnswer,
  }),
});

export const StockReservationFailed = defineEvent({
  type: "StockReservationFailed",
  version: 1,
  producer: "inventory",
  subscribers: ["order", "view"],
  payload: z.object({
    orderId: IdSchema,
    reason: z.enum(["OUT_OF_STOCK", "UNKNOWN_PRODUCT"]),
    /** The SKUs that could not be reserved, when known. */
    skus: z.array(Sku),
    ...InventoryShardAnswer,
  }),
});

export const PointsReserved = defineEvent({
  type: "PointsReserved",
  version: 1,
  producer: "rewards",
  subscribers: ["order"],
  payload: z.object({ orderId: IdSchema, customerId: IdSchema, points: Points }),
});

export const PointsReservationFailed = defineEvent({
  type: "PointsReservationFailed",
  version: 1,
  producer: "rewards",
  subscribers: ["order"],
  payload: z.object({
    orderId: IdSchema,
    customerId: IdSchema,
    points: Points,
    reason: z.literal("INSUFFICIENT_POINTS"),
  }),
});

export const OrderConfirmed = defineEvent({
  type: "OrderConfirmed",
  version: 1,
  producer: "order",
  subscribers: ["inventory", "rewards", "payment", "view"],
  payload: z.object({
    orderId: IdSchema,
    customerId: IdSchema,
    totalCents: Cents,
    pointsRedeemed: Points,
    /** floor((totalCents - pointsRedeemed) / 100): what rewards must credit. */
    pointsEarned: Points,
  }),
});

/**
 * Why an order was rejected. TIMED_OUT: a participant did not answer within the order
 * service's saga deadline. A new value widens OrderRejected's version 1: subscribers deploy
 * before the producer, as for any change (docs/decisions.md, event versions).
 */
export const RejectionReason = z.enum([
  "OUT_OF_STOCK",
  "UNKNOWN_PRODUCT",
  "INSUFFICIENT_POINTS",
  "PAYMENT_DECLINED",
  "TIMED_OUT",
]);
export type RejectionReason = z.infer<typeof RejectionReason>;

export const OrderRejected = defineEvent({
  type: "OrderRejected",
  version: 1,
  producer: "order",
  subscribers: ["inventory", "rewards", "payment", "view"],
  payload: z.object({ orderId: IdSchema, customerId: IdSchema, reason: RejectionReason }),
});

export const OrderCancelled = defineEvent({
  type: "OrderCancelled",
  version: 1,
  producer: "order",
  subscribers: ["inventory", "rewards", "payment", "view"],
  payload: z.object({
    orderId: IdSchema,
    customerId: IdSchema,
    previousStatus: z.enum(["PENDING", "CONFIRMED"]),
  }),
});

export const PointsAwarded = defineEvent({
  type: "PointsAwarded",
  version: 1,
  producer: "rewards",
  subscribers: ["order", "view"],
  payload: z.object({ orderId: IdSchema, customerId: IdSchema, points: Points }),
});

export const PointsGranted = defineEvent({
  type: "PointsGranted",
  version: 1,
  producer: "rewards",
  subscribers: [],
  payload: z.object({
    customerId: IdSchema,
    points: z.number().int().positive(),
    reason: z.string().max(200).nullable(),
  }),
});

/**
 * The card processor held the order's amount (`amountCents` 0: nothing to pay, no call made).
 * The order waits for it like for stock and points.
 */
export const PaymentAuthorized = defineEvent({
  type: "PaymentAuthorized",
  version: 1,
  producer: "payment",
  subscribers: ["order", "view"],
  payload: z.object({ orderId: IdSchema, amountCents: Cents }),
});

/**
 * The processor refused the card or the request for it; `reason` is its decline code (e.g.
 * `insufficient_funds`), or its error code when it refused the request (`resource_missing`:
 * no such card).
 */
export const PaymentDeclined = defineEvent({
  type: "PaymentDeclined",
  version: 1,
  producer: "payment",
  subscribers: ["order", "view"],
  payload: z.object({
    orderId: IdSchema,
    amountCents: Cents,
    reason: z.string().regex(/^[a-z0-9_]{1,64}$/),
    /** The processor's own code (`card_declined`, `resource_missing`); older events have none. */
    processorCode: z
      .string()
      .regex(/^[a-z0-9_]{1,64}$/)
      .optional(),
  }),
});

/** What happened to an authorized amount afterwards; only the view follows it. */
const PaymentSettled = z.object({ orderId: IdSchema, amountCents: Cents });
export const PaymentCaptured = defineEvent({
  type: "PaymentCaptured",
  version: 1,
  producer: "payment",
  subscribers: ["view"],
  payload: PaymentSettled,
});
export const PaymentVoided = defineEvent({
  type: "PaymentVoided",
  version: 1,
  producer: "payment",
  subscribers: ["view"],
  payload: PaymentSettled,
});
export const PaymentRefunded = defineEvent({
  type: "PaymentRefunded",
  version: 1,
  producer: "payment",
  subscribers: ["view"],
  payload: PaymentSettled,
});

export const catalog = defineCatalog([
  ProductUpserted,
  OrderPlaced,
  StockReserved,
  StockReservationFailed,
  PointsReserved,
  PointsReservationFailed,
  OrderConfirmed,
  OrderRejected,
  OrderCancelled,
  PointsAwarded,
  PointsGranted,
  PaymentAuthorized,
  PaymentDeclined,
  PaymentCaptured,
  PaymentVoided,
  PaymentRefunded,
]);

export type Catalog = typeof catalog;
