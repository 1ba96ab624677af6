import type { BoundService } from "../types";

/** What the checker reads: the whole system, as each service's admin snapshot routes show it. */
export interface SystemSnapshot {
  /** Order service: every order with its lines. */
  orders: OrderFact[];
  /** Inventory: every SKU's unit counters. */
  products: ProductFact[];
  /** Inventory: what it did for each order it heard of. */
  reservations: ReservationFact[];
  /** Rewards: every account, with its ledger's total and grants. */
  accounts: AccountFact[];
  /** Rewards: per order it heard of, hold, award and ledger sums per kind. */
  rewardOrders: RewardOrderFact[];
  /** The view service (read model): every row it holds, by order id. */
  view: ViewOrderFact[];
  /**
   * Payment: every payment row (`GET /admin/snapshot/payments`) and the effects it has not
   * made yet (kit route `GET /admin/effects`); null when this Worker has no PAYMENT binding
   * (then the payment checks and the payment service's deliveries are not checked).
   */
  payment: PaymentSnapshot | null;
  /**
   * The card processor's ledger, by order (the PSP sandbox's `GET /v1/ledger*`); null when
   * there is no PSP binding: production's real processor has no such ledger API.
   */
  ledger: LedgerSnapshot | null;
  /** Every service's outbox backlog (kit route `GET /admin/outbox`). */
  outbox: Partial<Record<BoundService, { pending: number; oldestPendingAt?: number | null }>>;
  /** Every service's dead letters (kit route `GET /admin/dead-letters`). */
  deadLetters: Partial<Record<BoundService, DeadLetterFact[]>>;
  /**
   * Every service's published events and the ids of the events it handled, applied or
   * dead-lettered (kit routes `GET /admin/events/published`, `/admin/events/handled`).
   */
  events: Partial<
    Record<BoundService, { published: { id: string; type: string }[]; handled: string[] }>
  >;
}

export interface PaymentSnapshot {
  payments: PaymentFact[];
  /** Effects (card processor calls) still without an answer. */
  pendingEffects: number;
}

/** A row of the payment service, as `GET /admin/snapshot/payments` shows it. */
export interface PaymentFact {
  orderId: string;
  /** What the saga asked: NOT_REQUIRED, AUTHORIZE, CAPTURE, VOID, REFUND, CLOSED (a tombstone). */
  requested: string;
  /** Where the money stands at the processor: NOT_REQUIRED, PENDING, AUTHORIZED, DECLINED, ... */
  status: string;
  amountCents: number;
  intentId: string | null;
}

export interface LedgerSnapshot {
  /** `GET /v1/ledger`'s totals, in cents (net = captured - refunded). */
  totals: {
    authorized_open: number;
    captured: number;
    refunded: number;
    net: number;
    intents: number;
    declines: number;
  };
  /** Every order the processor has an intent for (`GET /v1/ledger/orders`). */
  orders: LedgerOrderFact[];
}

export interface LedgerOrderFact {
  order_id: string;
  intents: LedgerIntentFact[];
}

/** One payment intent at the processor, with how many ledger entries of each kind it has. */
export interface LedgerIntentFact {
  id: string;
  /** requires_capture (held), requires_payment_method (declined), succeeded (captured), canceled. */
  status: string;
  amount: number;
  amount_received: number;
  amount_refunded: number;
  captures: number;
  refunds: number;
  voids: number;
}

export interface OrderFact {
  id: string;
  customerId: string;
  status: string;
  totalCents: number;
  pointsRedeemed: number;
  pointsEarned: number;
  /** Why a REJECTED order was rejected; absent from an order service older than the saga deadline. */
  rejectionReason?: string | null;
  items: { sku: string; quantity: number; unitPriceCents: number }[];
}

/** A row of the view, as `GET /admin/snapshot/orders` of the view service shows it. */
export interface ViewOrderFact {
  id: string;
  customerId: string | null;
  status: string;
  totalCents: number;
  pointsRedeemed: number;
  pointsEarned: number;
  items: { sku: string; quantity: number; unitPriceCents: number }[];
  /** Null while the view has not seen the order's OrderPlaced. */
  createdAt: string | null;
}

export interface ProductFact {
  sku: string;
  available: number;
  reserved: number;
  sold: number;
  /** Every unit ever put: "the stock that was put". */
  received: number;
}

export interface ReservationFact {
  orderId: string;
  status: string;
  lines: { sku: string; quantity: number }[];
}

export interface AccountFact {
  customerId: string;
  balance: number;
  reserved: number;
  lifetimeEarned: number;
  /** Sum of every ledger entry of the customer. */
  ledgerTotal: number;
  /** Sum of the customer's GRANT entries. */
  grants: number;
}

export interface RewardOrderFact {
  orderId: string;
  customerId: string | null;
  hold: { points: number; status: string } | null;
  award: { points: number; status: string } | null;
  /** Ledger entries of the order per kind: signed sum and how many entries. */
  ledger: Record<string, { points: number; entries: number }>;
}

export interface DeadLetterFact {
  id?: string | number;
  eventId?: string | null;
  type?: string | null;
  reason?: string | null;
  [key: string]: unknown;
}

export interface Violation {
  /**
   * 1-6, design.md "Invariants"; 7: the view (read model) agrees with the order service, and
   * payments match orders (design.md "Payment").
   */
  invariant: number;
  message: string;
  /** Order ids, SKUs, customer ids, event ids involved. */
  ids: string[];
}

export interface ConsistencyReport {
  ok: boolean;
  checkedAt: string;
  counts: Record<string, number | string | Record<string, number>>;
  violations: Violation[];
}
