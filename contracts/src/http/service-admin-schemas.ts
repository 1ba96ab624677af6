import { z } from "@hono/zod-openapi";
import { CustomerOrder } from "../api";

/**
 * What the services' internal snapshot routes and the PSP sandbox's ledger answer
 * (routes/service-admin.ts): the consistency checker reads the whole system through them.
 * Statuses are plain strings on purpose: the checker must see whatever a database holds, a
 * state no enum knows included, and say so.
 */

const count = z.number().int();

/** `?after=&limit=` of a keyset-paged snapshot route, as `keysetPage` reads it. */
export const SnapshotPageQuery = z.object({
  after: z.string().optional().meta({ description: "`next` of the previous page." }),
  limit: z.string().optional().meta({
    description: "Rows per page, at most 1000 (the default); an invalid one reads as 1000.",
  }),
});

/** One page `{ [key]: rows, next }`; `next` is the following page's `after`, null on the last. */
const page = <K extends string, R extends z.ZodType>(key: K, row: R) =>
  z.object({ [key]: z.array(row), next: z.string().nullable() } as {
    [P in K]: z.ZodArray<R>;
  } & { next: z.ZodNullable<z.ZodString> });

/** On a service of several shards, the shard a snapshot row was read from (absent on one). */
const RowShard = { shard: z.number().int().min(0).optional() };

const Line = z.object({ sku: z.string(), quantity: count });
const PricedLine = Line.extend({ unitPriceCents: count });

/** Order service: an order with its lines (`GET /admin/snapshot/orders`). */
export const OrderSnapshotRow = z.object({
  ...RowShard,
  id: z.string(),
  customerId: z.string(),
  status: z.string(),
  totalCents: count,
  pointsRedeemed: count,
  pointsEarned: count,
  /** Why a REJECTED order was rejected (TIMED_OUT: the saga deadline); null otherwise. */
  rejectionReason: z.string().nullable(),
  items: z.array(PricedLine),
});
export type OrderSnapshotRow = z.infer<typeof OrderSnapshotRow>;
export const OrderSnapshotPage = page("orders", OrderSnapshotRow);

/** Inventory: one SKU's unit counters; `received` is every unit ever put. */
export const ProductSnapshotRow = z.object({
  ...RowShard,
  sku: z.string(),
  available: count,
  reserved: count,
  sold: count,
  received: count,
});
export type ProductSnapshotRow = z.infer<typeof ProductSnapshotRow>;
export const ProductSnapshotPage = page("products", ProductSnapshotRow);

/** Inventory: what it did for one order, with the lines it holds or held. */
export const ReservationSnapshotRow = z.object({
  ...RowShard,
  orderId: z.string(),
  status: z.string(),
  lines: z.array(Line),
});
export type ReservationSnapshotRow = z.infer<typeof ReservationSnapshotRow>;
export const ReservationSnapshotPage = page("reservations", ReservationSnapshotRow);

/** Rewards: one account folded from its ledger, with the ledger's total and grants by SQL. */
export const AccountSnapshotRow = z.object({
  ...RowShard,
  customerId: z.string(),
  balance: count,
  reserved: count,
  lifetimeEarned: count,
  /** Sum of every ledger entry of the customer. */
  ledgerTotal: count,
  /** Sum of the customer's GRANT entries. */
  grants: count,
});
export type AccountSnapshotRow = z.infer<typeof AccountSnapshotRow>;
export const AccountSnapshotPage = page("accounts", AccountSnapshotRow);

const Part = z.object({ points: count, status: z.string() }).nullable();

/** Rewards: per order it heard of, its hold, its award and its ledger sums per kind. */
export const RewardOrderSnapshotRow = z.object({
  ...RowShard,
  orderId: z.string(),
  customerId: z.string().nullable(),
  hold: Part,
  award: Part,
  /** Balance-changing ledger entries of the order per kind: signed sum and how many. */
  ledger: z.record(z.string(), z.object({ points: count, entries: count })),
});
export type RewardOrderSnapshotRow = z.infer<typeof RewardOrderSnapshotRow>;
export const RewardOrderSnapshotPage = page("orders", RewardOrderSnapshotRow);

/** The view: a row as stored, `customerId` and `createdAt` null until its OrderPlaced arrived. */
export const ViewSnapshotRow = CustomerOrder.extend({
  ...RowShard,
  customerId: z.string().nullable(),
  createdAt: z.string().nullable(),
});
export type ViewSnapshotRow = z.infer<typeof ViewSnapshotRow>;
export const ViewSnapshotPage = page("orders", ViewSnapshotRow);

/** Payment: one payment row. */
export const PaymentSnapshotRow = z.object({
  ...RowShard,
  orderId: z.string(),
  /** What the saga asked: NOT_REQUIRED, AUTHORIZE, CAPTURE, VOID, REFUND, CLOSED (a tombstone). */
  requested: z.string(),
  /** Where the money stands at the processor: NOT_REQUIRED, PENDING, AUTHORIZED, DECLINED, ... */
  status: z.string(),
  amountCents: count,
  intentId: z.string().nullable(),
});
export type PaymentSnapshotRow = z.infer<typeof PaymentSnapshotRow>;
export const PaymentSnapshotPage = page("payments", PaymentSnapshotRow);

/** The PSP sandbox's `GET /v1/ledger`: totals in cents (net = captured - refunded). */
export const LedgerTotals = z.object({
  totals: z.object({
    authorized_open: count,
    captured: count,
    refunded: count,
    net: count,
    intents: count,
    declines: count,
  }),
  entries: count,
});
export type LedgerTotals = z.infer<typeof LedgerTotals>;

/** One payment intent at the processor, with how many ledger entries of each kind it has. */
export const LedgerIntent = z.object({
  id: z.string(),
  /** requires_capture (held), requires_payment_method (declined), succeeded, canceled. */
  status: z.string(),
  amount: count,
  amount_received: count,
  amount_refunded: count,
  captures: count,
  refunds: count,
  voids: count,
});
export type LedgerIntent = z.infer<typeof LedgerIntent>;

export const LedgerOrder = z.object({ order_id: z.string(), intents: z.array(LedgerIntent) });
export type LedgerOrder = z.infer<typeof LedgerOrder>;

/** Order ids as the sandbox takes them (`metadata.order_id`). */
const PspOrderId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/);

/** `GET /v1/ledger/orders`: cursor-paged by order id, as a real processor's lists are. */
export const LedgerOrdersQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  starting_after: PspOrderId.optional(),
});

export const LedgerOrdersPage = z.object({
  data: z.array(LedgerOrder),
  has_more: z.boolean(),
  next: z.string().nullable(),
});
export type LedgerOrdersPage = z.infer<typeof LedgerOrdersPage>;
