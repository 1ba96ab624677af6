/**
 * The public API's shapes as the e2e suite reads them (design.md, contracts/src/api.ts).
 * Declared here rather than imported: contracts pulls in the Workers-typed event kit, and
 * this suite is plain Node.
 */

/** contracts' REQUEST_ID_HEADER: the gateway returns it on every answer. */
export const REQUEST_ID_HEADER = "x-request-id";

export type OrderStatus = "PENDING" | "CONFIRMED" | "REJECTED" | "CANCELLED";

export interface Product {
  sku: string;
  name: string;
  priceCents: number;
  available: number;
  reserved: number;
  sold: number;
}

export interface OrderLine {
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

export interface Order {
  id: string;
  customerId: string;
  status: OrderStatus;
  items: OrderLine[];
  totalCents: number;
  pointsRedeemed: number;
  pointsEarned: number;
  rejectionReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface OrderList {
  orders: Order[];
  nextCursor: string | null;
}

export interface RewardsAccount {
  customerId: string;
  balance: number;
  reserved: number;
  lifetimeEarned: number;
}

export interface PlaceOrderInput {
  customerId: string;
  items: { sku: string; quantity: number }[];
  pointsToRedeem?: number;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: { path: string; message: string }[] };
}

export interface OutboxStatus {
  pending: number;
  oldestPendingAt: number | null;
  outboxRows: number;
  inboxRows: number;
  relay: unknown;
}

export interface ServicesAnswer<T> {
  services: { order: T; inventory: T; rewards: T };
}

export type DeadLetters = { deadLetters: unknown[] };
