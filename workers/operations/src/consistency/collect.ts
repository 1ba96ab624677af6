import { callService, HttpError, serviceBindingOf } from "@edge-saga/shared";
import { type BoundService, SERVICES } from "../types";
import type {
  DeadLetterFact,
  LedgerOrderFact,
  LedgerSnapshot,
  PaymentFact,
  PaymentSnapshot,
  SystemSnapshot,
} from "./snapshot";

/** Rows per snapshot page: the services' maximum, so 10,000 orders cost 10 calls per route. */
const PAGE = 1000;
/** Event ids per page of the kit's event routes (their maximum). */
const EVENT_PAGE = 5000;
/** Orders per page of the sandbox's ledger (its maximum). */
const LEDGER_PAGE = 500;
/** Subrequests are limited per invocation (1,000 paid): stop long before, loudly. */
const MAX_PAGES = 200;
/**
 * The PSP sandbox's test secret (workers/psp-sandbox/wrangler.toml), as the payment service
 * sends it: only ever over the local PSP binding, never to a real processor.
 */
const SANDBOX_SECRET = "sk_test_sandbox";

/** A Worker this one reads: a service, the view, or the card processor's sandbox. */
type Source = BoundService | "psp";

async function getJson<T>(env: Env, service: Source, path: string, requestId: string) {
  const res = await callService(env, service, path, {
    headers: {
      accept: "application/json",
      "x-request-id": requestId,
      ...(service === "psp" ? { authorization: `Bearer ${SANDBOX_SECRET}` } : {}),
    },
  });
  if (!res.ok) {
    throw new HttpError(
      502,
      "UPSTREAM_FAILED",
      `${service} answered ${res.status} to ${path.split("?")[0]}`,
    );
  }
  return (await res.json()) as T;
}

/** Every row of a keyset-paged snapshot route (`?after=&limit=` -> `{ [key]: rows, next }`). */
async function allPages<T>(
  env: Env,
  service: BoundService,
  path: string,
  key: string,
  requestId: string,
  pageSize = PAGE,
): Promise<T[]> {
  const rows: T[] = [];
  let after = "";
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await getJson<Record<string, unknown>>(
      env,
      service,
      `${path}?limit=${pageSize}&after=${encodeURIComponent(after)}`,
      requestId,
    );
    rows.push(...((answer[key] as T[] | undefined) ?? []));
    const next = answer.next;
    if (typeof next !== "string") return rows;
    after = next;
  }
  throw new HttpError(502, "UPSTREAM_FAILED", `${service} ${path}: more than ${MAX_PAGES} pages`);
}

/** Every Worker with the kit's admin routes: the services and the view. */
const KIT_WORKERS: BoundService[] = [...SERVICES, "view"];

/** The payment service's rows and its effects still without an answer. */
async function collectPayment(env: Env, requestId: string): Promise<PaymentSnapshot> {
  const [payments, effects] = await Promise.all([
    allPages<PaymentFact>(env, "payment", "/admin/snapshot/payments", "payments", requestId),
    getJson<{ total?: number }>(env, "payment", "/admin/effects", requestId),
  ]);
  return { payments, pendingEffects: Number(effects.total ?? 0) };
}

/**
 * The card processor's ledger, from the PSP sandbox: its totals and every order's intents
 * (cursor-paged by order id, `starting_after`, as a real processor's lists are).
 */
async function collectLedger(env: Env, requestId: string): Promise<LedgerSnapshot> {
  const totals = getJson<{ totals: LedgerSnapshot["totals"] }>(env, "psp", "/v1/ledger", requestId);
  const orders: LedgerOrderFact[] = [];
  let after: string | null = null;
  for (let page = 0; ; page++) {
    if (page === MAX_PAGES)
      throw new HttpError(
        502,
        "UPSTREAM_FAILED",
        `psp /v1/ledger/orders: more than ${MAX_PAGES} pages`,
      );
    const query: string = after === null ? "" : `&starting_after=${encodeURIComponent(after)}`;
    const answer: { data?: LedgerOrderFact[]; has_more?: boolean; next?: string | null } =
      await getJson(env, "psp", `/v1/ledger/orders?limit=${LEDGER_PAGE}${query}`, requestId);
    orders.push(...(answer.data ?? []));
    const next = answer.next ?? answer.data?.at(-1)?.order_id ?? null;
    if (!answer.has_more || next === null) break;
    after = next;
  }
  const answer = await totals;
  if (typeof answer?.totals?.net !== "number")
    throw new HttpError(502, "UPSTREAM_FAILED", "psp answered no ledger totals to /v1/ledger");
  return { totals: answer.totals, orders };
}

/**
 * Reads the whole system through the services' admin routes (their routes run in parallel).
 * The payment service is read when this Worker has its PAYMENT binding, the card processor's
 * ledger when it has the PSP binding (the local sandbox; production has none: not checked).
 */
export async function collectSnapshot(env: Env, requestId: string): Promise<SystemSnapshot> {
  const hasPayment = serviceBindingOf(env, "payment") !== undefined;
  const hasLedger = serviceBindingOf(env, "psp") !== undefined;
  const kitWorkers = KIT_WORKERS.filter((service) => service !== "payment" || hasPayment);
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
    allPages<SystemSnapshot["orders"][number]>(
      env,
      "order",
      "/admin/snapshot/orders",
      "orders",
      requestId,
    ),
    allPages<SystemSnapshot["products"][number]>(
      env,
      "inventory",
      "/admin/snapshot/products",
      "products",
      requestId,
    ),
    allPages<SystemSnapshot["reservations"][number]>(
      env,
      "inventory",
      "/admin/snapshot/reservations",
      "reservations",
      requestId,
    ),
    allPages<SystemSnapshot["accounts"][number]>(
      env,
      "rewards",
      "/admin/snapshot/accounts",
      "accounts",
      requestId,
    ),
    allPages<SystemSnapshot["rewardOrders"][number]>(
      env,
      "rewards",
      "/admin/snapshot/orders",
      "orders",
      requestId,
    ),
    allPages<SystemSnapshot["view"][number]>(
      env,
      "view",
      "/admin/snapshot/orders",
      "orders",
      requestId,
    ),
    hasPayment ? collectPayment(env, requestId) : null,
    hasLedger ? collectLedger(env, requestId) : null,
    Promise.all(
      kitWorkers.map(
        async (service) =>
          [
            service,
            await getJson<{ pending: number; oldestPendingAt?: number | null }>(
              env,
              service,
              "/admin/outbox",
              requestId,
            ),
          ] as const,
      ),
    ),
    Promise.all(
      kitWorkers.map(
        async (service) =>
          [
            service,
            (
              await getJson<{ deadLetters: DeadLetterFact[] }>(
                env,
                service,
                "/admin/dead-letters",
                requestId,
              )
            ).deadLetters,
          ] as const,
      ),
    ),
    Promise.all(
      kitWorkers.map(async (service) => {
        const [published, handled] = await Promise.all([
          allPages<{ id: string; type: string }>(
            env,
            service,
            "/admin/events/published",
            "events",
            requestId,
            EVENT_PAGE,
          ),
          allPages<string>(env, service, "/admin/events/handled", "events", requestId, EVENT_PAGE),
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
    outbox: Object.fromEntries(outbox) as SystemSnapshot["outbox"],
    deadLetters: Object.fromEntries(deadLetters) as SystemSnapshot["deadLetters"],
    events: Object.fromEntries(events) as SystemSnapshot["events"],
  };
}
