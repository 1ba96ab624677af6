import { performance } from "node:perf_hooks";
import type { OrderTransition, WritePath } from "@edge-saga/contracts";
import { read } from "@edge-saga/contracts/client";
import { SLOTS, slotOfId } from "../../../shared/src/shards/shard-routing";
import { ApiClient, type PlaceOrder, type RequestOptions } from "../api-client";
import { round, type Summary, summarize } from "./stats";

/**
 * The benchmark's workloads, driven over HTTP against the gateway of a local stack. Every
 * POST /orders carries its own `cf-connecting-ip` (the gateway rate-limits 600/min per IP), so
 * the numbers measure the system, not the rate limiter.
 */

export const BENCH_SKUS = ["bench-0", "bench-1", "bench-2", "bench-3"] as const;
const STOCK = 1_000_000;
const PRICE_CENTS = 1_000;

/** The unsafe comparison mode of one request (shared/src/bench/baselines.ts). */
/** A bench-only way to place an order: the unsafe direct publish, or a write path by name. */
export type Baseline = "direct-publish" | WritePath;

export interface BenchClient {
  baseUrl: string;
  adminToken: string;
}

/**
 * Requests the workloads sent to `GET /orders/{id}/history` (the saga workloads' polls), every
 * attempt counted: the D1 reads they cost the order service are the bench's, not the saga's
 * (scripts/lib/bench/d1-calls.ts subtracts them).
 */
export const historyPolls = { sent: 0, bySlot: new Array<number>(SLOTS).fill(0) };

const countHistoryPoll = (method: string, path: string) => {
  const id = method === "GET" ? /^\/orders\/([^/]+)\/history$/.exec(path)?.[1] : undefined;
  if (id === undefined) return;
  historyPolls.sent++;
  // The order's slot: the shard whose database the poll reads (shards section).
  const slot = slotOfId(decodeURIComponent(id));
  historyPolls.bySlot[slot] = (historyPolls.bySlot[slot] ?? 0) + 1;
};

/**
 * The public API client with the bench's habits: reads time out after 15 s and are sent again
 * up to three times (the local dev proxy has been seen to leave a read unanswered under load,
 * and one stuck poll must not sink a ten-minute run); writes wait up to 60 s. Every history
 * poll is counted, resends included. One per stack: its customers' sign-ins (and the orders it
 * placed for them) are kept across calls, so an order costs no extra sign-in.
 */
export function benchApi(client: BenchClient): ApiClient {
  const key = `${client.baseUrl} ${client.adminToken}`;
  let api = benchApis.get(key);
  if (!api) {
    api = newBenchApi(client);
    benchApis.set(key, api);
  }
  return api;
}
const benchApis = new Map<string, ApiClient>();

const newBenchApi = (client: BenchClient): ApiClient =>
  new ApiClient(client.baseUrl, client.adminToken, {
    attempts: 4,
    timeoutMs: (method) => (method === "GET" ? 15_000 : 60_000),
    onResend: (method, url, error) => {
      console.warn(`[bench] ${method} ${url}: ${(error as Error).message}; resending`);
    },
    // Every try is counted, resends included.
    fetch: (input, init) => {
      const request = new Request(input, init);
      countHistoryPoll(request.method, new URL(request.url).pathname);
      return fetch(request);
    },
  });

let ipCounter = 0;
/** A fresh client address for every order (10.x.y.z, 16 M of them). */
function nextIp(): string {
  const n = ipCounter++;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** `POST /orders` from client address `ip` (each order its own), in the baseline's mode if one is named. */
function postOrder(
  api: ApiClient,
  body: PlaceOrder,
  ip: string,
  baseline?: Baseline,
  idempotencyKey?: string,
) {
  const headers: Record<string, string> = { "cf-connecting-ip": ip };
  if (baseline) headers["x-bench-baseline"] = baseline;
  return api.placeOrder(body, { headers, idempotencyKey });
}

/** The answer's body; a status outside `ok` throws with the whole exchange. */
export async function expectOk(
  client: BenchClient,
  ok: number[],
  method: string,
  path: string,
  options?: RequestOptions,
): Promise<unknown> {
  return (await benchApi(client).expect(ok, method, path, options)).body;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Products with stock for every order of the run (`mix`'s SKUs) and its customers signed in;
 * waits until the order service priced one (replica caught up).
 */
export async function setup(client: BenchClient, mix: OrderMix = BENCH_MIX): Promise<void> {
  for (const sku of mix.skus) {
    await benchApi(client).putProduct(sku, {
      name: `Bench ${sku}`,
      priceCents: PRICE_CENTS,
      stock: STOCK,
    });
  }
  // Every customer signed in before the clock runs: an order's time is never a sign-in's.
  await Promise.all(mix.customers.map((customer) => benchApi(client).accessToken(customer)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answer = await postOrder(
      benchApi(client),
      { customerId: "bench-warmup", items: mix.skus.map((sku) => ({ sku, quantity: 1 })) },
      nextIp(),
    );
    if (answer.status === 202) return;
    if (Date.now() > deadline)
      throw new Error(`the order service never learned the bench products: ${answer.status}`);
    await sleep(100);
  }
}

/** The customers the bench's orders go round (each signs in once, in `setup`). */
export const BENCH_CUSTOMERS = Array.from({ length: 50 }, (_, i) => `bench-customer-${i}`);

/**
 * Who orders what: order `n` (counted in `placed`, from 0) is one unit of
 * `skus[n % skus.length]` by `customers[n % customers.length]`. A mix of its own per run
 * replays the same orders in the same order.
 */
export interface OrderMix {
  customers: readonly string[];
  skus: readonly string[];
  placed: { n: number };
}
const BENCH_MIX: OrderMix = { customers: BENCH_CUSTOMERS, skus: BENCH_SKUS, placed: { n: 0 } };

/**
 * One POST /orders (the next of `mix`); the client-side time to the 202. `api`: the client that
 * sends it (default the bench's; the outcome-without-polling section counts its own).
 */
export async function placeOrder(
  client: BenchClient,
  baseline?: Baseline,
  mix: OrderMix = BENCH_MIX,
  api: ApiClient = benchApi(client),
): Promise<{ ms: number; id: string }> {
  const n = mix.placed.n++;
  const body = {
    customerId: mix.customers[n % mix.customers.length] as string,
    items: [{ sku: mix.skus[n % mix.skus.length] as string, quantity: 1 }],
  };
  const started = performance.now();
  const ip = nextIp();
  const idempotencyKey = `bench-${process.pid}-${n}`;
  let answer = await postOrder(api, body, ip, baseline, idempotencyKey);
  // The local runtime can restart a Worker under load (503 "restarted mid-request"): the key
  // makes the resend safe, it answers as the first request would have.
  for (let retry = 0; answer.status === 503 && retry < 3; retry++)
    answer = await postOrder(api, body, ip, baseline, idempotencyKey);
  const ms = performance.now() - started;
  if (answer.status !== 202)
    throw new Error(
      `POST /orders answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`,
    );
  return { ms, id: (answer.body as { id: string }).id };
}

/** Runs `work` on `concurrency` workers until `count` items were done or `untilMs` passed. */
export async function pool<T>(
  concurrency: number,
  stop: { count?: number; untilMs?: number },
  work: () => Promise<T>,
): Promise<T[]> {
  const results: T[] = [];
  let started = 0;
  const more = () =>
    (stop.count === undefined || started < stop.count) &&
    (stop.untilMs === undefined || performance.now() < stop.untilMs);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (more()) {
        started++;
        results.push(await work());
      }
    }),
  );
  return results;
}

export interface AcceptResult {
  concurrency: number;
  latency: Summary;
  /** Accepted orders per second while the workload ran (client side). */
  acceptedPerSecond: number;
  orderIds: string[];
}

/**
 * Accept latency of ours and of the direct-publish baseline measured together: the clients
 * alternate between the two, so both see the same machine load at the same moments.
 */
export async function acceptLatencyVsDirect(
  client: BenchClient,
  concurrency: number,
  count: number,
): Promise<{ ours: AcceptResult; direct: AcceptResult }> {
  await pool(concurrency, { count: Math.min(4 * concurrency, 64) }, () => placeOrder(client));
  let turn = 0;
  const started = performance.now();
  // `count` requests in all, half of them each way.
  const results = await pool(concurrency, { count }, async () => {
    const baseline = turn++ % 2 === 1 ? ("direct-publish" as const) : undefined;
    return { baseline, ...(await placeOrder(client, baseline)) };
  });
  const seconds = (performance.now() - started) / 1000;
  const of = (direct: boolean): AcceptResult => {
    const mine = results.filter((r) => (r.baseline === "direct-publish") === direct);
    return {
      concurrency,
      latency: summarize(mine.map((r) => r.ms)),
      acceptedPerSecond: round(mine.length / seconds, 1),
      orderIds: mine.map((r) => r.id),
    };
  };
  return { ours: of(false), direct: of(true) };
}

/** The services whose relays send events: every producer of the catalog (the view produces none). */
export const RELAY_SERVICES = ["order", "inventory", "rewards", "payment"] as const;
export type RelayService = (typeof RELAY_SERVICES)[number];

/** Switches every service's relay to the polling baseline (`intervalMs`) or back (null). */
export async function setPollingRelay(client: BenchClient, intervalMs: number | null) {
  for (const service of RELAY_SERVICES)
    await expectOk(client, [200], "PUT", `/admin/${service}/bench-baseline`, {
      admin: true,
      body: { relayPollIntervalMs: intervalMs },
    });
}

/** Server-side saga timestamps of one order (epoch ms), from GET /orders/{id}/history. */
export interface SagaTimes {
  placedAt: number;
  confirmedAt: number | null;
  pointsAwardedAt: number | null;
  finalStatus: string | null;
}

async function sagaTimes(client: BenchClient, id: string): Promise<SagaTimes> {
  const history = benchApi(client).orderClient(id).orders[":id"].history.$get({
    param: { id },
  });
  const answer = await read(history);
  // Self-read: the order exists once the order service consumed its own OrderPlaced.
  if (answer.status === 404)
    return { placedAt: Number.NaN, confirmedAt: null, pointsAwardedAt: null, finalStatus: null };
  if (answer.status !== 200) throw new Error(`GET /orders/${id}/history answered ${answer.status}`);
  const transitions = answer.body.transitions;
  const at = (t: OrderTransition | undefined) => (t ? Date.parse(t.at) : null);
  const placed = transitions.find((t) => t.change === "PlaceOrder");
  return {
    placedAt: at(placed) ?? Number.NaN,
    confirmedAt: at(transitions.find((t) => t.toStatus === "CONFIRMED")),
    pointsAwardedAt: at(transitions.find((t) => t.change === "PointsAwarded")),
    finalStatus: transitions.at(-1)?.toStatus ?? null,
  };
}

/**
 * Waits until every order's saga finished (CONFIRMED and points awarded, or ended otherwise) and
 * returns the server-side timestamps. Polls the last order first: sagas finish roughly in order.
 */
export async function waitForSagas(
  client: BenchClient,
  ids: readonly string[],
  timeoutMs: number,
): Promise<{ times: SagaTimes[]; unfinished: number }> {
  const done = new Map<string, SagaTimes>();
  const deadline = Date.now() + timeoutMs;
  let open = [...ids];
  while (open.length > 0 && Date.now() < deadline) {
    const last = open.at(-1) as string;
    const tail = await sagaTimes(client, last);
    if (!finished(tail)) {
      await sleep(200);
      continue;
    }
    const queue = [...open];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
          const times = await sagaTimes(client, id);
          if (finished(times)) done.set(id, times);
        }
      }),
    );
    open = open.filter((id) => !done.has(id));
    if (open.length > 0) await sleep(200);
  }
  return { times: ids.flatMap((id) => done.get(id) ?? []), unfinished: open.length };
}

/**
 * Saga latency with `concurrency` sagas in flight: each client places an order and waits until
 * its saga finished before placing the next (closed loop), so the figure is the saga's own
 * latency, not the queueing of an overload. Latencies come from server-side timestamps; the
 * client's polling only decides when the next order goes. The polls are reads of the order
 * service's database, which also runs the saga: polling every 25 ms from the start, 32 clients
 * sent ~40 polls per saga and their reads starved the saga's own (on a loaded machine no saga
 * finished at all). So a client first waits `FIRST_POLL_SHARE` of the typical saga time (a
 * moving average of what the clients saw, carried from run to run), then polls every 25 ms,
 * or every 10% of the time since the order was placed once that is longer: the next order
 * goes at most 25 ms or 10% late, and a slow saga costs a few dozen polls, not hundreds.
 */
export async function sagaClosedLoop(
  client: BenchClient,
  concurrency: number,
  count: number,
  baseline?: Baseline,
  mix?: OrderMix,
): Promise<{
  ids: string[];
  times: SagaTimes[];
  unfinished: number;
  seconds: number;
  /** History polls sent by the loop (its final wait included). */
  polls: number;
}> {
  const started = performance.now();
  const pollsBefore = historyPolls.sent;
  const ids = await pool(concurrency, { count }, async () => {
    const { id } = await placeOrder(client, baseline, mix);
    const placed = performance.now();
    const deadline = Date.now() + 60_000;
    await sleep(FIRST_POLL_SHARE * typicalSagaMs);
    while (Date.now() < deadline && !finished(await sagaTimes(client, id)))
      await sleep(Math.max(25, 0.1 * (performance.now() - placed)));
    const ms = performance.now() - placed;
    typicalSagaMs = typicalSagaMs === 0 ? ms : 0.8 * typicalSagaMs + 0.2 * ms;
    return id;
  });
  const seconds = (performance.now() - started) / 1000;
  const { times, unfinished } = await waitForSagas(client, ids, 60_000);
  return { ids, times, unfinished, seconds, polls: historyPolls.sent - pollsBefore };
}

/** Of the typical saga time, how long a client waits before its first poll. */
const FIRST_POLL_SHARE = 0.6;
/** Client-side saga time (202 -> finished seen), moving average over the closed loops so far. */
let typicalSagaMs = 0;

function finished(t: SagaTimes): boolean {
  if (t.finalStatus === "REJECTED" || t.finalStatus === "CANCELLED") return true;
  return t.confirmedAt !== null && t.pointsAwardedAt !== null;
}

export interface SagaResult {
  orders: number;
  unfinished: number;
  notConfirmed: number;
  toConfirmed: Summary;
  toPointsAwarded: Summary;
}

export function sagaLatency(times: SagaTimes[], unfinished: number): SagaResult {
  const confirmed = times.filter((t) => t.confirmedAt !== null);
  return {
    orders: times.length + unfinished,
    unfinished,
    notConfirmed: times.length - confirmed.length,
    toConfirmed: summarize(confirmed.map((t) => (t.confirmedAt as number) - t.placedAt)),
    toPointsAwarded: summarize(
      confirmed.flatMap((t) =>
        t.pointsAwardedAt === null ? [] : [t.pointsAwardedAt - t.placedAt],
      ),
    ),
  };
}

/** Pending outbox rows of every relay service (-1: not read), `t` seconds into the run. */
export type BacklogSample = { t: number } & Record<RelayService, number>;

/** Every relay service's backlog, each from its own kit route `GET /admin/outbox`. */
async function backlog(client: BenchClient): Promise<Omit<BacklogSample, "t">> {
  const pending = await Promise.all(
    RELAY_SERVICES.map(async (service) => {
      const body = (await expectOk(client, [200], "GET", `/admin/${service}/outbox`, {
        admin: true,
      })) as { pending: number };
      return [service, body.pending] as const;
    }),
  );
  return Object.fromEntries(pending) as Record<RelayService, number>;
}

const unread = () =>
  Object.fromEntries(RELAY_SERVICES.map((s) => [s, -1])) as Record<RelayService, number>;
const backlogSum = (s: BacklogSample) =>
  RELAY_SERVICES.reduce((n, service) => n + Math.max(0, s[service]), 0);

export interface ThroughputResult {
  /** Orders per second offered (open loop). */
  targetRate: number;
  durationSeconds: number;
  ordersAccepted: number;
  acceptedPerSecond: number;
  /** Orders whose saga completed (CONFIRMED + points awarded) per second, first accept -> last award (server clock). */
  completedPerSecond: number;
  allCompleted: boolean;
  unfinished: number;
  notConfirmed: number;
  /** Time from the end of the load until the last saga completed (ms); null if none completed. */
  drainAfterLoadMs: number | null;
  accept: Summary;
  saga: SagaResult;
  backlog: BacklogSample[];
  maxBacklog: number;
}

/**
 * Open-loop load: orders at a steady `rate` per second for `seconds` (at most `maxInFlight`
 * requests open), sampling every service's outbox backlog meanwhile and until every saga ended.
 */
export async function throughput(
  client: BenchClient,
  rate: number,
  seconds: number,
  maxInFlight = 64,
): Promise<ThroughputResult> {
  const samples: BacklogSample[] = [];
  const t0 = performance.now();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const at = performance.now();
      const b = await backlog(client).catch(unread);
      samples.push({ t: round((at - t0) / 1000, 2), ...b });
      await sleep(Math.max(0, 250 - (performance.now() - at)));
    }
  })();
  const total = Math.max(1, Math.round(rate * seconds));
  const results: { ms: number; id: string }[] = [];
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    const request: Promise<void> = placeOrder(client).then((r) => {
      results.push(r);
      inFlight.delete(request);
    });
    inFlight.add(request);
  }
  await Promise.all(inFlight);
  const loadSeconds = (performance.now() - t0) / 1000;
  const loadEndedAt = Date.now();
  const ids = results.map((r) => r.id);
  const { times, unfinished } = await waitForSagas(client, ids, 60_000 + total * 100);
  // Let the sampler show the backlog back at zero.
  await sleep(500);
  sampling = false;
  await sampler;
  const saga = sagaLatency(times, unfinished);
  const completedTimes = times.filter((t) => t.pointsAwardedAt !== null);
  const firstPlaced = Math.min(...times.map((t) => t.placedAt));
  const lastAwarded = Math.max(...completedTimes.map((t) => t.pointsAwardedAt as number));
  const spanSeconds = (lastAwarded - firstPlaced) / 1000;
  return {
    targetRate: rate,
    durationSeconds: round(loadSeconds, 1),
    ordersAccepted: results.length,
    acceptedPerSecond: round(results.length / loadSeconds, 1),
    completedPerSecond:
      completedTimes.length > 0 && spanSeconds > 0
        ? round(completedTimes.length / spanSeconds, 1)
        : 0,
    allCompleted: unfinished === 0 && completedTimes.length === results.length,
    unfinished,
    notConfirmed: saga.notConfirmed,
    drainAfterLoadMs: completedTimes.length > 0 ? Math.max(0, lastAwarded - loadEndedAt) : null,
    accept: summarize(results.map((r) => r.ms)),
    saga,
    backlog: samples,
    maxBacklog: Math.max(0, ...samples.map(backlogSum)),
  };
}
