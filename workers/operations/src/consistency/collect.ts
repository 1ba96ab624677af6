import { LedgerTotals } from "@edge-saga/contracts/http";
import { HttpError, serviceBindingOf } from "@edge-saga/shared";
import {
  type AnyResponse,
  bodyOf,
  type OkBody,
  type ReadClients,
  readClients,
  type Source,
} from "../clients";
import { type BoundService, SERVICES } from "../types";
import type { LedgerOrderFact, LedgerSnapshot, PaymentSnapshot, SystemSnapshot } from "./snapshot";

/** Rows per snapshot page: the services' maximum, so 10,000 orders cost 10 calls per route. */
const PAGE = String(1000);
/** Event ids per page of the kit's event routes (their maximum). */
const EVENT_PAGE = String(5000);
/** Orders per page of the sandbox's ledger (its maximum). */
const LEDGER_PAGE = 500;
/** Subrequests are limited per invocation (1,000 paid): stop long before, loudly. */
const MAX_PAGES = 200;

/** One page of a keyset-paged route: its rows and the `after` of the next page (null: last). */
type Page<T> = { rows: T[]; next: string | null };

/**
 * Every row of a keyset-paged route, `read` fetching the page after a key ("" first).
 * A stand-in that answers no rows (a test's echo) reads as empty.
 */
async function allPages<T>(label: string, read: (after: string) => Promise<Page<T>>): Promise<T[]> {
  const rows: T[] = [];
  let after = "";
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await read(after);
    rows.push(...(answer.rows ?? []));
    if (typeof answer.next !== "string") return rows;
    after = answer.next;
  }
  throw new HttpError(502, "UPSTREAM_FAILED", `${label}: more than ${MAX_PAGES} pages`);
}

/**
 * Every row of `source`'s keyset-paged route `path` (allPages): `get` asks for the page after a
 * key, `rowsOf` takes the rows from its answer, whose `next` is the key of the page after.
 */
function allRowsOf<R extends AnyResponse, T>(
  source: Source,
  path: string,
  get: (after: string) => Promise<R>,
  rowsOf: (answer: OkBody<R>) => T[],
): Promise<T[]> {
  return allPages(`${source} ${path}`, async (after) => {
    const answer = await bodyOf(source, get(after));
    return { rows: rowsOf(answer), next: (answer as { next: string | null }).next };
  });
}

/** Every Worker with the kit's admin routes: the services and the view. */
const KIT_WORKERS: BoundService[] = [...SERVICES, "view"];

/** The payment service's rows and its effects still without an answer. */
async function collectPayment(api: ReadClients): Promise<PaymentSnapshot> {
  const [payments, effects] = await Promise.all([
    allRowsOf(
      "payment",
      "/admin/snapshot/payments",
      (after) => api.payment.snapshot.payments.$get({ query: { limit: PAGE, after } }),
      (answer) => answer.payments,
    ),
    bodyOf("payment", api.payment.effects.$get()),
  ]);
  return { payments, pendingEffects: Number(effects.total ?? 0) };
}

/**
 * The card processor's ledger, from the PSP sandbox: its totals and every order's intents
 * (cursor-paged by order id, `starting_after`, as a real processor's lists are).
 */
async function collectLedger(api: ReadClients): Promise<LedgerSnapshot> {
  const totals = bodyOf("psp", api.psp.v1.ledger.$get());
  const orders: LedgerOrderFact[] = [];
  let after: string | undefined;
  for (let page = 0; ; page++) {
    if (page === MAX_PAGES)
      throw new HttpError(
        502,
        "UPSTREAM_FAILED",
        `psp /v1/ledger/orders: more than ${MAX_PAGES} pages`,
      );
    const answer = await bodyOf(
      "psp",
      api.psp.v1.ledger.orders.$get({ query: { limit: LEDGER_PAGE, starting_after: after } }),
    );
    orders.push(...(answer.data ?? []));
    const next = answer.next ?? answer.data?.at(-1)?.order_id ?? null;
    if (!answer.has_more || next === null) break;
    after = next;
  }
  // The sandbox is a stand-in for a third party: its totals are checked, not trusted.
  const parsed = LedgerTotals.shape.totals.safeParse((await totals)?.totals);
  if (!parsed.success)
    throw new HttpError(502, "UPSTREAM_FAILED", "psp answered no ledger totals to /v1/ledger");
  return { totals: parsed.data, orders };
}

/**
 * Reads the whole system through the services' admin routes (their routes run in parallel).
 * The payment service is read when this Worker has its PAYMENT binding, the card processor's
 * ledger when it has the PSP binding (the local sandbox; production has none: not checked).
 */
export async function collectSnapshot(env: Env, requestId: string): Promise<SystemSnapshot> {
  const api = readClients(env, requestId);
  const hasPayment = serviceBindingOf(env, "payment") !== undefined;
  const hasLedger = serviceBindingOf(env, "psp") !== undefined;
  const kitWorkers = KIT_WORKERS.filter((service) => service !== "payment" || hasPayment);
  const query = (after: string) => ({ query: { limit: PAGE, after } });
  const [
    orders,
    products,
    reservations,
    accounts,
    rewardOrders,
    view,
    payment,
    ledger,
    outbox,
    deadLetters,
    events,
  ] = await Promise.all([
    allRowsOf(
      "order",
      "/admin/snapshot/orders",
      (after) => api.order.snapshot.orders.$get(query(after)),
      (answer) => answer.orders,
    ),
    allRowsOf(
      "inventory",
      "/admin/snapshot/products",
      (after) => api.inventory.snapshot.products.$get(query(after)),
      (answer) => answer.products,
    ),
    allRowsOf(
      "inventory",
      "/admin/snapshot/reservations",
      (after) => api.inventory.snapshot.reservations.$get(query(after)),
      (answer) => answer.reservations,
    ),
    allRowsOf(
      "rewards",
      "/admin/snapshot/accounts",
      (after) => api.rewards.snapshot.accounts.$get(query(after)),
      (answer) => answer.accounts,
    ),
    allRowsOf(
      "rewards",
      "/admin/snapshot/orders",
      (after) => api.rewards.snapshot.orders.$get(query(after)),
      (answer) => answer.orders,
    ),
    allRowsOf(
      "view",
      "/admin/snapshot/orders",
      (after) => api.view.snapshot.orders.$get(query(after)),
      (answer) => answer.orders,
    ),
    hasPayment ? collectPayment(api) : null,
    hasLedger ? collectLedger(api) : null,
    Promise.all(
      kitWorkers.map(
        async (service) => [service, await bodyOf(service, api[service].outbox.$get())] as const,
      ),
    ),
    Promise.all(
      kitWorkers.map(async (service) => {
        const answer = await bodyOf(service, api[service]["dead-letters"].$get({ query: {} }));
        return [service, answer.deadLetters] as const;
      }),
    ),
    Promise.all(
      kitWorkers.map(async (service) => {
        const client = api[service].events;
        const eventQuery = (after: string) => ({ query: { limit: EVENT_PAGE, after } });
        const [published, handled] = await Promise.all([
          allRowsOf(
            service,
            "/admin/events/published",
            (after) => client.published.$get(eventQuery(after)),
            (answer) => answer.events,
          ),
          allRowsOf(
            service,
            "/admin/events/handled",
            (after) => client.handled.$get(eventQuery(after)),
            (answer) => answer.events,
          ),
        ]);
        return [service, { published, handled }] as const;
      }),
    ),
  ]);
  return {
    orders,
    products,
    reservations,
    accounts,
    rewardOrders,
    view,
    payment,
    ledger,
    outbox: Object.fromEntries(outbox),
    deadLetters: Object.fromEntries(deadLetters),
    events: Object.fromEntries(events),
  };
}
