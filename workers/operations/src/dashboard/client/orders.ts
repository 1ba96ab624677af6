import type { OrderHistory, OrderStatus, OrderTrace } from "@edge-saga/contracts";
import type { InferResponseType } from "hono/client";
import { admin, customer, errorText, forOrder, read } from "./api";
import { byId, h } from "./dom";
import { clock, money } from "./format";
import { adminToken, signedIn } from "./session";
import { timeline } from "./timeline";

type Recent = ReturnType<typeof admin>["admin"]["order"]["orders"]["recent"]["$get"];
/** An order as the lists show it: `GET /admin/order/orders/recent` leaves out the items. */
export type ShownOrder = InferResponseType<Recent, 200>["orders"][number];

/** What the timeline draws of one order: its trace, or the order service's history without one. */
export interface Saga {
  order?: ShownOrder;
  /** The order's `updatedAt` when the trace (or history) was fetched, and when that was. */
  updatedAt?: string;
  fetchedAt?: number;
  trace?: OrderTrace;
  history?: OrderHistory | null;
}

const SHOWN = 10;
const TERMINAL: ReadonlySet<OrderStatus> = new Set(["CONFIRMED", "REJECTED", "CANCELLED"]);
// Events and deliveries keep arriving for a while after the status stops changing.
const SETTLE_MS = 15000;

const sagas = new Map<string, Saga>();
/** The card shown per order id, rebuilt only when what it draws (`sig`) changed. */
const cards = new Map<string, { sig: string; el: HTMLElement }>();

/** A rejection by the saga deadline: nobody said no, somebody never answered. */
export const timedOut = (order: ShownOrder) =>
  order.status === "REJECTED" && order.rejectionReason === "TIMED_OUT";

/**
 * With the admin token, everyone's newest orders; else (or refused) the signed-in customer's,
 * through `GET /orders` with her token. Then each one's saga, then the list.
 */
export async function loadOrders(): Promise<void> {
  let list: ShownOrder[] | undefined;
  const notes: string[] = [];
  const who = signedIn()?.customerId;
  if (adminToken()) {
    const recent = admin().admin.order.orders.recent.$get({ query: { limit: String(SHOWN) } });
    const answer = await read(recent);
    if (answer.status === 200) list = answer.body.orders;
    else notes.push(`Everyone's orders need a valid admin token (${errorText(answer)}).`);
  }
  if (!list && who) {
    const answer = await read(customer().orders.$get({ query: { limit: String(SHOWN) } }));
    if (answer.status === 200) {
      list = answer.body.orders;
      notes.push(`Showing ${who}'s orders.`);
    } else notes.push(`${who}'s orders: ${errorText(answer)}`);
  }
  if (!adminToken() && !who)
    notes.push("Sign in as a customer to see her orders; enter the admin token to see everyone's.");
  const shown = list ?? [];
  const late = shown.filter(timedOut).length;
  if (late)
    notes.push(
      `${late} of the ${shown.length} shown timed out: a participant did not answer within the saga deadline.`,
    );
  byId("orders-note", HTMLParagraphElement).textContent = notes.join(" ");
  await Promise.all(shown.map(loadSaga));
  render(shown);
}

/**
 * `GET /orders/{id}/trace` while the order moves (and a while after it settled), falling back to
 * `GET /orders/{id}/history` (the order service's view only) where the trace answers 404.
 */
async function loadSaga(order: ShownOrder): Promise<void> {
  const d = sagas.get(order.id) || {};
  const moving =
    !TERMINAL.has(order.status) || Date.now() - Date.parse(order.updatedAt) < SETTLE_MS;
  d.order = order;
  sagas.set(order.id, d);
  if (d.fetchedAt && d.updatedAt === order.updatedAt && !moving) return;
  const param = { id: encodeURIComponent(order.id) };
  // As its customer when she is signed in here, else as the operator.
  const client = forOrder(order.customerId);
  const trace = await read(client.orders[":id"].trace.$get({ param }));
  if (trace.status === 200) {
    d.trace = trace.body;
    d.history = null;
  } else if (trace.status === 404) {
    const history = await read(client.orders[":id"].history.$get({ param }));
    if (history.status === 200) d.history = history.body;
  }
  d.updatedAt = order.updatedAt;
  d.fetchedAt = Date.now();
}

function render(list: ShownOrder[]): void {
  const box = byId("order-list", HTMLDivElement);
  if (!list.length) {
    box.replaceChildren(h("p", { className: "empty", text: "No orders yet: place one." }));
    cards.clear();
    return;
  }
  const els = list.map((order) => {
    const d = sagas.get(order.id) || {};
    const sig = JSON.stringify([order, d.trace, d.history]);
    let card = cards.get(order.id);
    if (!card || card.sig !== sig) {
      card = { sig, el: orderCard(order, d) };
      cards.set(order.id, card);
    }
    return card.el;
  });
  const shown = new Set(list.map((o) => o.id));
  for (const id of cards.keys()) if (!shown.has(id)) cards.delete(id);
  box.replaceChildren(...els);
}

/** Where the card payment stands, from the trace (null until the payment service heard of it). */
function paymentBadge(d: Saga): HTMLElement | null {
  const payment = d.trace?.payment;
  if (!payment) return null;
  const calls = (d.trace?.effects ?? []).reduce((n, e) => n + e.calls.length, 0);
  return h("span", {
    className: `badge pay p-${payment.status}`,
    text:
      payment.status === "NOT_REQUIRED"
        ? "card: not needed"
        : `card ${money(payment.amountCents)} ${payment.status}`,
    title: `The card payment: ${payment.status}; ${calls} call(s) to the card processor`,
  });
}

function orderCard(order: ShownOrder, d: Saga): HTMLElement {
  const late = timedOut(order);
  const meta =
    money(order.totalCents) +
    (order.pointsRedeemed ? ` · ${order.pointsRedeemed} pts` : "") +
    (order.rejectionReason && !late ? ` · ${order.rejectionReason}` : "");
  return h(
    "article",
    { className: "order", "aria-label": `Order ${order.id}` },
    h(
      "header",
      null,
      late
        ? h("span", {
            className: "badge s-TIMED_OUT",
            text: "TIMED OUT",
            title: "REJECTED TIMED_OUT: no decision within the saga deadline",
          })
        : h("span", { className: `badge s-${order.status}`, text: order.status }),
      h("span", { className: "who", text: order.customerId }),
      h("span", { className: "meta", text: meta }),
      paymentBadge(d),
      h("span", {
        className: "meta",
        title: order.id,
        text: `${clock(order.createdAt)} · …${order.id.slice(-6)}`,
      }),
    ),
    timeline(order, d),
  );
}
