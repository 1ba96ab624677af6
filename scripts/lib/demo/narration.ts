/**
 * One step of a journey in words: an order transition, a change of stock, of points, or of the
 * card payment.
 */
import type {
  Order,
  OrderPayment,
  OrderTransition,
  Product,
  RewardsAccount,
} from "@edge-saga/contracts";
import { CONTINUATION, dollars, type Out } from "./output";

/**
 * The rejection a reply stands for: the order read in the same look may be a moment older than
 * its history (the requests run in parallel) and have no reason yet.
 */
const REASON_OF: Record<string, string> = {
  StockReservationFailed: "OUT_OF_STOCK",
  PointsReservationFailed: "INSUFFICIENT_POINTS",
  PaymentDeclined: "PAYMENT_DECLINED",
  SagaDeadline: "TIMED_OUT",
};

/** What the order service wrote for one transition, in words. */
export function describeTransition(out: Out, t: OrderTransition, order: Order): string {
  const moved = t.fromStatus !== null && t.fromStatus !== t.toStatus;
  const status = moved ? `${t.fromStatus} → ${out.status(t.toStatus)}` : out.status(t.toStatus);
  const width = (moved ? `${t.fromStatus} → ${t.toStatus}` : t.toStatus).length;
  const pad = " ".repeat(Math.max(1, 22 - width));
  let what: string;
  switch (t.change) {
    case "PlaceOrder":
      what =
        "order saved; OrderPlaced is in its outbox (same D1 batch), on its way to inventory, rewards and payment";
      break;
    case "StockReserved":
      what = "got StockReserved: inventory holds every line";
      break;
    case "StockReservationFailed":
      what = `got StockReservationFailed (${order.rejectionReason ?? "OUT_OF_STOCK"}): inventory reserved none of the lines (all or nothing)`;
      break;
    case "PointsReserved":
      what =
        order.pointsRedeemed > 0
          ? `got PointsReserved: rewards holds ${order.pointsRedeemed} points`
          : "got PointsReserved: nothing to redeem";
      break;
    case "PointsReservationFailed":
      what = "got PointsReservationFailed (INSUFFICIENT_POINTS): the customer has too few points";
      break;
    case "PaymentAuthorized":
      what = `got PaymentAuthorized: the card processor holds ${dollars(order.totalCents - order.pointsRedeemed)}`;
      break;
    case "PaymentDeclined":
      what = "got PaymentDeclined (PAYMENT_DECLINED): the card processor refused the card";
      break;
    case "PointsAwarded":
      what = `got PointsAwarded: rewards credited ${order.pointsEarned} earned points`;
      break;
    case "CancelOrder":
      what = "cancelled on request; OrderCancelled is in its outbox";
      break;
    default:
      what = `got ${t.change}`;
  }
  let outcome = "";
  if (moved && t.toStatus === "CONFIRMED") {
    outcome = `\n${CONTINUATION}${out.green("every participant said yes → OrderConfirmed (inventory: reserved → sold; rewards: capture + award; payment: capture the card)")}`;
  } else if (moved && t.toStatus === "REJECTED") {
    outcome = `\n${CONTINUATION}${out.red(`a participant said no (${order.rejectionReason ?? REASON_OF[t.change] ?? "?"}) → OrderRejected: the others release what they hold (compensation)`)}`;
  }
  return `${status}${pad}${what}${outcome}`;
}

export function describeStock(
  out: Out,
  name: string,
  before: Product,
  now: Product,
  compensating: boolean,
): string | undefined {
  const da = now.available - before.available;
  const dr = now.reserved - before.reserved;
  const ds = now.sold - before.sold;
  if (da === 0 && dr === 0 && ds === 0) return undefined;
  const numbers = [
    da !== 0 ? `available ${before.available} → ${now.available}` : "",
    dr !== 0 ? `reserved ${before.reserved} → ${now.reserved}` : "",
    ds !== 0 ? `sold ${before.sold} → ${now.sold}` : "",
  ]
    .filter(Boolean)
    .join(", ");
  const hints: string[] = [];
  if (ds > 0) {
    hints.push(
      dr < 0 ? "reservation turned into a sale" : "reserved and sold (both between two looks)",
    );
  } else if (dr > 0) {
    hints.push(`reserved ${dr} for the order`);
  }
  if (dr < 0 && ds <= 0) hints.push("reservation released");
  if (ds < 0) hints.push("sold units back on the shelf");
  const undo = compensating && (dr < 0 || ds < 0) && ds <= 0;
  const hint = hints.join("; ") + (undo ? out.yellow(" (compensation)") : "");
  return `${name}: ${numbers}  ${out.dim("←")} ${hint}`;
}

export function describePoints(
  out: Out,
  customer: string,
  before: RewardsAccount,
  now: RewardsAccount,
  compensating: boolean,
): string | undefined {
  const db = now.balance - before.balance;
  const dr = now.reserved - before.reserved;
  const dl = now.lifetimeEarned - before.lifetimeEarned;
  if (db === 0 && dr === 0 && dl === 0) return undefined;
  const spent = db - dl; // balance moved by redeeming or refunding, earned points aside
  const numbers = [
    db !== 0 ? `balance ${before.balance} → ${now.balance}` : `balance ${now.balance}`,
    dr !== 0 ? `reserved ${before.reserved} → ${now.reserved}` : "",
  ]
    .filter(Boolean)
    .join(", ");
  const hints: string[] = [];
  let undo = false;
  if (dr > 0) hints.push(`held ${dr} points for the order`);
  if (spent < 0) {
    hints.push(dr < 0 ? `captured ${-spent} held points` : `redeemed ${-spent} points`);
  }
  if (dr < 0 && spent >= 0) {
    hints.push(`released the hold on ${-dr} points`);
    undo = true;
  }
  if (dr === 0 && spent > 0) {
    hints.push(`gave back ${spent} redeemed points`);
    undo = true;
  }
  if (dl > 0) hints.push(`credited ${dl} earned points`);
  if (dl < 0) {
    hints.push(`took back ${-dl} earned points`);
    undo = true;
  }
  const hint = hints.join("; ") + (compensating && undo ? out.yellow(" (compensation)") : "");
  return `${customer}: ${numbers}  ${out.dim("←")} ${hint}`;
}

/**
 * A change of the order's card payment (`GET /orders/{id}/payment`), seen between two looks.
 * `before` undefined: the order was just placed (its payment PENDING, or NOT_REQUIRED).
 */
export function describePayment(
  out: Out,
  before: OrderPayment | undefined,
  now: OrderPayment,
  compensating: boolean,
): string | undefined {
  const from = before?.status ?? "PENDING";
  if (from === now.status) return undefined;
  const amount = dollars(now.amountCents);
  let hint: string;
  let undo = false;
  switch (now.status) {
    case "NOT_REQUIRED":
      hint = "nothing to charge: points pay the whole total (no call to the card processor)";
      break;
    case "PENDING":
      hint = "waiting for the card processor";
      break;
    case "AUTHORIZED":
      hint = `card authorized ${amount}: a hold, nothing charged yet`;
      break;
    case "DECLINED":
      hint = "declined: the card processor refused the card, nothing held";
      break;
    case "CAPTURED":
      hint =
        from === "AUTHORIZED"
          ? `captured ${amount}: the hold became a charge`
          : `card authorized and captured ${amount} (both between two looks)`;
      break;
    case "VOIDED":
      undo = true;
      if (from === "AUTHORIZED") hint = "voided: hold released";
      else if (now.amountCents > 0)
        hint = `card authorized and voided (both between two looks): hold on ${amount} released`;
      else hint = "voided before any authorization: nothing held, nothing charged";
      break;
    case "REFUNDED":
      undo = true;
      hint = `refunded ${amount} to the card`;
      break;
  }
  return `card: ${from} → ${now.status}  ${out.dim("←")} ${hint}${compensating && undo ? out.yellow(" (compensation)") : ""}`;
}
