/** One step of a journey in words: an order transition, a change of stock, a change of points. */
import type { Order, OrderTransition, Product, RewardsAccount } from "@edge-saga/contracts";
import { CONTINUATION, type Out } from "./output";

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
        "order saved; OrderPlaced is in its outbox (same D1 batch), on its way to inventory and rewards";
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
    outcome = `\n${CONTINUATION}${out.green("every participant said yes → OrderConfirmed (inventory: reserved → sold; rewards: capture + award)")}`;
  } else if (moved && t.toStatus === "REJECTED") {
    outcome = `\n${CONTINUATION}${out.red(`a participant said no (${order.rejectionReason}) → OrderRejected: the others release what they hold (compensation)`)}`;
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
