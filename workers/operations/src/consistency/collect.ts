import { callService, HttpError } from "@edge-saga/shared";
import { type BoundService, SERVICES } from "../types";
import type { DeadLetterFact, SystemSnapshot } from "./snapshot";

/** Rows per snapshot page: the services' maximum, so 10,000 orders cost 10 calls per route. */
const PAGE = 1000;
/** Event ids per page of the kit's event routes (their maximum). */
const EVENT_PAGE = 5000;
/** Subrequests are limited per invocation (1,000 paid): stop long before, loudly. */
const MAX_PAGES = 200;

async function getJson<T>(env: Env, service: BoundService, path: string, requestId: string) {
  const res = await callService(env, service, path, {
    headers: { accept: "application/json", "x-request-id": requestId },
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

/** Reads the whole system through the services' admin routes (their routes run in parallel). */
export async function collectSnapshot(env: Env, requestId: string): Promise<SystemSnapshot> {
  const [
    orders,
    products,
    reservations,
    accounts,
    rewardOrders,
    view,
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
    Promise.all(
      KIT_WORKERS.map(
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
      KIT_WORKERS.map(
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
      KIT_WORKERS.map(async (service) => {
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
    outbox: Object.fromEntries(outbox) as SystemSnapshot["outbox"],
    deadLetters: Object.fromEntries(deadLetters) as SystemSnapshot["deadLetters"],
    events: Object.fromEntries(events) as SystemSnapshot["events"],
  };
}
