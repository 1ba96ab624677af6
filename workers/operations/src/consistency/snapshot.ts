import type {
  AccountSnapshotRow,
  LedgerIntent,
  LedgerOrder,
  LedgerTotals,
  OrderSnapshotRow,
  PaymentSnapshotRow,
  ProductSnapshotRow,
  ReservationSnapshotRow,
  RewardOrderSnapshotRow,
  ViewSnapshotRow,
} from "@edge-saga/contracts/http";
import type {
  DeadLetterSchema,
  HandledPage,
  OutboxStatusSchema,
  PublishedPage,
} from "@edge-saga/shared/admin-routes";
import type { z } from "zod";
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
  outbox: Partial<Record<BoundService, OutboxFact>>;
  /** Every service's dead letters (kit route `GET /admin/dead-letters`). */
  deadLetters: Partial<Record<BoundService, DeadLetterFact[]>>;
  /**
   * Every service's published events and the ids of the events it handled, applied or
   * dead-lettered (kit routes `GET /admin/events/published`, `/admin/events/handled`).
   */
  events: Partial<Record<BoundService, EventPages>>;
}

export interface PaymentSnapshot {
  payments: PaymentFact[];
  /** Effects (card processor calls) still without an answer. */
  pendingEffects: number;
}

export interface LedgerSnapshot {
  /** `GET /v1/ledger`'s totals, in cents (net = captured - refunded). */
  totals: LedgerTotals["totals"];
  /** Every order the processor has an intent for (`GET /v1/ledger/orders`). */
  orders: LedgerOrderFact[];
}

/**
 * On a service with several shards, the shard a snapshot row was read from (the services'
 * snapshot routes read every shard and name each row's on several; absent on one database).
 */
export type OnShard = { shard?: number };
/** What one inventory shard did for an order spread over several (the row's `status` is combined). */
export interface ReservationPart {
  shard: number;
  status: string;
  lines: ReservationSnapshotRow["lines"];
}

// Each fact is a row as its service's route definition (contracts, service-admin) describes it.
export type OrderFact = OrderSnapshotRow & OnShard;
export type ViewOrderFact = ViewSnapshotRow & OnShard;
export type ProductFact = ProductSnapshotRow & OnShard;
export type ReservationFact = ReservationSnapshotRow & OnShard & { shards?: ReservationPart[] };
export type AccountFact = AccountSnapshotRow & OnShard;
export type RewardOrderFact = RewardOrderSnapshotRow & OnShard;
export type PaymentFact = PaymentSnapshotRow & OnShard;
export type LedgerOrderFact = LedgerOrder;
export type LedgerIntentFact = LedgerIntent;
/** What the checker reads of the kit's outbox status: the backlog, and each shard's. */
export type OutboxFact = Pick<z.infer<typeof OutboxStatusSchema>, "pending"> & {
  shards?: { shard: number; pending: number }[];
};
/** What the checker reads of a kit dead letter (`shard`: where it is, on several shards). */
export type DeadLetterFact = Pick<
  z.infer<typeof DeadLetterSchema>,
  "id" | "eventId" | "eventType" | "reason" | "resolvedAt"
> &
  OnShard;
type EventPages = {
  published: z.infer<typeof PublishedPage>["events"];
  handled: z.infer<typeof HandledPage>["events"];
};

export interface Violation {
  /**
   * 1-6, design.md "Invariants"; 7: the view (read model) agrees with the order service, and
   * payments match orders (design.md "Payment").
   */
  invariant: number;
  message: string;
  /** Order ids, SKUs, customer ids, event ids involved. */
  ids: string[];
  /** On services with several shards: the shards where it was found, by service. */
  shards?: ShardRef[];
}

/** One shard of one service. */
export interface ShardRef {
  service: string;
  shard: number;
}

export interface ConsistencyReport {
  ok: boolean;
  checkedAt: string;
  counts: Record<string, number | string | Record<string, number>>;
  violations: Violation[];
}
