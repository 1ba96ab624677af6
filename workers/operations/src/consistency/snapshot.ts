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
  /** Every service's outbox backlog (kit route `GET /admin/outbox`). */
  outbox: Record<BoundService, { pending: number; oldestPendingAt?: number | null }>;
  /** Every service's dead letters (kit route `GET /admin/dead-letters`). */
  deadLetters: Record<BoundService, DeadLetterFact[]>;
  /**
   * Every service's published events and the ids of the events it handled, applied or
   * dead-lettered (kit routes `GET /admin/events/published`, `/admin/events/handled`).
   */
  events: Record<BoundService, { published: { id: string; type: string }[]; handled: string[] }>;
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
  /** 1-6, design.md "Invariants"; 7: the view (read model) agrees with the order service. */
  invariant: number;
  message: string;
  /** Order ids, SKUs, customer ids, event ids involved. */
  ids: string[];
}

export interface ConsistencyReport {
  ok: boolean;
  checkedAt: string;
  counts: Record<string, number | Record<string, number>>;
  violations: Violation[];
}
