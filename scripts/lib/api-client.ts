import { setTimeout as sleep } from "node:timers/promises";
import type { Order } from "@edge-saga/contracts";
import {
  apiClient,
  apiFetch,
  expectStatus,
  read,
  type TransportOptions,
  type ApiClient as TypedClient,
  UnexpectedAnswer,
} from "@edge-saga/contracts/client";
import type { InferRequestType } from "hono/client";

/**
 * The scripts' and e2e tests' habits over the one typed client of the public API
 * (contracts/src/http/client.ts): each method is a call of that client, its answer typed by the
 * route's schemas (no type here is written by hand), with the transport (timeouts, resends,
 * busy retries) its fetch. `typed` is the client itself; `request` / `expect` send what the
 * contract does not describe (malformed bodies, routes a test adds) through the same transport.
 *
 * Credentials: a method that names a customer (an order's `customerId`, her rewards, her
 * orders) calls as her, with an access token from the local dev issuer (`POST /auth/dev/token`,
 * one sign-in per customer, kept until near its expiry). A call on an order id goes as the
 * customer this client placed or listed it for, else with the admin token (an admin may read and
 * cancel any order). Admin routes carry the admin token.
 */

export { SCRIPT_TIMEOUTS, UNDER_LOAD, UnexpectedAnswer } from "@edge-saga/contracts/client";
export type ClientOptions = TransportOptions;

export interface RawAnswer<T = unknown> {
  status: number;
  headers: Headers;
  /** The parsed JSON; the text when it is not JSON; null when empty. */
  body: T;
}

export interface RequestOptions {
  /** Sent as JSON; a string is sent as it is (for malformed bodies). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Send `Authorization: Bearer <admin token>`. */
  admin?: boolean;
  /** Send as this customer: `Authorization: Bearer <her access token>` (see `accessToken`). */
  as?: string;
}

/** Where the local dev issuer signs a customer in (the gateway serves it only when switched on). */
export const DEV_TOKEN_PATH = "/auth/dev/token";

/** What `POST /auth/dev/token` answers. */
export interface DevToken {
  accessToken: string;
  tokenType: "Bearer";
  /** Seconds the token is valid for. */
  expiresIn: number;
}

/** What `POST /orders` takes: `pointsToRedeem` may be left out (0). */
export type PlaceOrder = InferRequestType<TypedClient["orders"]["$post"]>["json"];
/** What `PUT /products/{sku}` takes. */
export type ProductBody = InferRequestType<TypedClient["products"][":sku"]["$put"]>["json"];

type PlaceOptions = {
  headers?: Record<string, string>;
  idempotencyKey?: string;
  /** Whose token the order goes with; default: its `customerId`. */
  as?: string;
};

/** A token is renewed this long before it expires (at most half its life): never sent stale. */
const RENEW_BEFORE_MS = 60_000;
/** Tries of a sign-in that got no answer or a busy one. */
const SIGN_IN_TRIES = 4;
/** The longest hold `GET /orders/{id}` grants (`Prefer: wait`). */
const MAX_HOLD_SECONDS = 30;
/** The pause before looking again at an answer that was not held and says no Retry-After (a 404). */
const UNHELD_PAUSE_MS = 100;

/**
 * The seconds to ask the server to hold an order's answer: what is left of the caller's wait,
 * at most 30, and a second short of the request timeout so the hold never times the request out.
 */
export function holdSeconds(leftMs: number, requestTimeoutMs?: number): number {
  let seconds = Math.min(MAX_HOLD_SECONDS, Math.ceil(leftMs / 1_000));
  if (requestTimeoutMs !== undefined)
    seconds = Math.min(seconds, Math.floor(requestTimeoutMs / 1_000) - 1);
  return Math.max(1, seconds);
}

export class ApiClient {
  readonly baseUrl: string;
  /** The typed client; admin routes get the token. */
  readonly typed: TypedClient;
  /** The typed client without the token, for what anyone may call. */
  readonly public: TypedClient;
  readonly busy: TypedClient;
  private readonly raw: typeof fetch;
  /** Customer -> her sign-in (pending or done), renewed near expiry. */
  private readonly signIns = new Map<string, Promise<{ token: string; renewAt: number }>>();
  /** Customer (and busy or not) -> the typed client that carries her token. */
  private readonly customers = new Map<string, TypedClient>();
  /** Order id -> its customer, for the orders this client placed or listed. */
  private readonly owners = new Map<string, string>();

  constructor(
    baseUrl: string,
    readonly adminToken: string,
    readonly options: ClientOptions = {},
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.typed = apiClient(this.baseUrl, { ...options, adminToken });
    this.public = apiClient(this.baseUrl, options);
    this.busy = apiClient(this.baseUrl, { ...options, retryBusy: true });
    this.raw = apiFetch(options);
  }

  /** Any request, answered whatever its status: for what the contract does not describe. */
  async request<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<RawAnswer<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.admin) headers.authorization = `Bearer ${this.adminToken}`;
    if (options.as !== undefined)
      headers.authorization = `Bearer ${await this.accessToken(options.as)}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers["content-type"] ??= "application/json";
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    }
    const res = await this.raw(`${this.baseUrl}${path}`, { method, headers, body });
    return (await read(res as never)) as RawAnswer<T>;
  }

  /** Like `request`, but a status outside `expected` throws with the whole exchange. */
  async expect<T = unknown>(
    expected: number | number[],
    method: string,
    path: string,
    options?: RequestOptions,
  ): Promise<RawAnswer<T>> {
    const answer = await this.request<T>(method, path, options);
    const ok = Array.isArray(expected) ? expected : [expected];
    if (!ok.includes(answer.status)) throw new UnexpectedAnswer(`${method} ${path}`, answer, ok);
    return answer;
  }

  // Sign-in (the local dev issuer)

  /**
   * A valid access token of `customerId` from `POST /auth/dev/token`: one sign-in per customer,
   * shared by concurrent callers and kept until shortly before it expires.
   */
  async accessToken(customerId: string): Promise<string> {
    const cached = this.signIns.get(customerId);
    if (cached) {
      const signIn = await cached.catch(() => undefined);
      if (signIn && Date.now() < signIn.renewAt) return signIn.token;
      // Another caller may have started the renewal while we waited.
      if (this.signIns.get(customerId) !== cached) return this.accessToken(customerId);
    }
    const pending = this.signIn(customerId);
    this.signIns.set(customerId, pending);
    // A failed sign-in is not kept: the next call tries again.
    pending.catch(() => {
      if (this.signIns.get(customerId) === pending) this.signIns.delete(customerId);
    });
    return (await pending).token;
  }

  private async signIn(customerId: string) {
    const startedAt = Date.now();
    const answer = await this.signInAnswer(customerId);
    const lifeMs = answer.body.expiresIn * 1_000;
    const renewAt = startedAt + lifeMs - Math.min(RENEW_BEFORE_MS, lifeMs / 2);
    return { token: answer.body.accessToken, renewAt };
  }

  /**
   * `POST /auth/dev/token`, sent again (up to SIGN_IN_TRIES) when it got no answer or a busy one:
   * a sign-in writes nothing, and one lost under a chaos run's load must not fail an order.
   */
  private async signInAnswer(customerId: string): Promise<RawAnswer<DevToken>> {
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.request<DevToken>("POST", DEV_TOKEN_PATH, {
          body: { customerId },
        });
        const busy = answer.status === 429 || answer.status === 503;
        if (answer.status === 200 || !busy || attempt >= SIGN_IN_TRIES) {
          if (answer.status !== 200)
            throw new UnexpectedAnswer(`POST ${DEV_TOKEN_PATH}`, answer, [200]);
          return answer;
        }
      } catch (error) {
        if (error instanceof UnexpectedAnswer || attempt >= SIGN_IN_TRIES) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
  }

  /** The typed client acting as `customerId` (her token on every call). */
  as(customerId: string, options: { retryBusy?: boolean } = {}): TypedClient {
    const key = `${options.retryBusy ? "busy" : "plain"}:${customerId}`;
    let client = this.customers.get(key);
    if (!client) {
      client = apiClient(this.baseUrl, {
        ...this.options,
        retryBusy: options.retryBusy ?? this.options.retryBusy,
        accessToken: () => this.accessToken(customerId),
      });
      this.customers.set(key, client);
    }
    return client;
  }

  /**
   * The typed client for calls on order `id`: as its customer when this client placed or listed
   * it (or `as` says whose it is), else with the admin token.
   */
  orderClient(id: string, options: { as?: string; retryBusy?: boolean } = {}): TypedClient {
    const owner = options.as ?? this.owners.get(id);
    if (owner !== undefined) return this.as(owner, options);
    return options.retryBusy ? this.busyAdmin : this.typed;
  }

  /** The customer of order `id`, if this client placed or listed it. */
  ownerOf(id: string): string | undefined {
    return this.owners.get(id);
  }

  /** Remembers whose order `id` is: later calls on it go with her token. */
  rememberOwner(id: string, customerId: string): void {
    this.owners.set(id, customerId);
  }

  private get busyAdmin(): TypedClient {
    this.busyAdminClient ??= apiClient(this.baseUrl, {
      ...this.options,
      adminToken: this.adminToken,
      retryBusy: true,
    });
    return this.busyAdminClient;
  }
  private busyAdminClient: TypedClient | undefined;

  /** True when something answers `GET /products` without a server error. */
  async isUp(timeoutMs = 2_000): Promise<boolean> {
    try {
      const probe = apiClient(this.baseUrl, { timeoutMs });
      return (await probe.products.$get()).status < 500;
    } catch {
      return false;
    }
  }

  // Products (inventory)

  async getProduct(sku: string) {
    return (await expectStatus(this.typed.products[":sku"].$get({ param: { sku } }), 200)).body;
  }

  /** The product, or undefined when inventory does not know the SKU (404). */
  async findProduct(sku: string) {
    const answer = await expectStatus(
      this.typed.products[":sku"].$get({ param: { sku } }),
      200,
      404,
    );
    return answer.status === 200 ? answer.body : undefined;
  }

  /** `PUT /products/{sku}` (admin): creates the product or sets its name, price and stock. */
  async putProduct(sku: string, json: ProductBody) {
    const put = this.typed.products[":sku"].$put({ param: { sku }, json });
    return (await expectStatus(put, 200, 201)).body;
  }

  // Orders (order service)

  /**
   * `POST /orders` as sent, as the customer `options.as` or else the order's `customerId`; the
   * caller judges the answer (202 with the order, or an error).
   */
  async placeOrder(input: PlaceOrder, options: PlaceOptions & { retryBusy?: boolean } = {}) {
    const customer = options.as ?? input.customerId;
    if (customer === undefined)
      throw new Error("placeOrder: whose order? Give input.customerId or options.as");
    const header = { ...options.headers, "Idempotency-Key": options.idempotencyKey };
    const client = this.as(customer, options);
    const answer = await read(client.orders.$post({ json: input, header }));
    if (answer.status === 202) this.rememberOwner(answer.body.id, answer.body.customerId);
    return answer;
  }

  async getOrder(id: string) {
    return (await expectStatus(this.orderClient(id).orders[":id"].$get({ param: { id } }), 200))
      .body;
  }

  /**
   * Order `id` once it has left PENDING, else as it is after `timeoutMs`; undefined while it
   * does not exist (self-read: until the order service consumed its OrderPlaced). Each look asks
   * the server to hold the answer until the order changes (`Prefer: wait`), so an outcome costs
   * one or two requests instead of a poll loop. An answer not held (a 404, a busy one) is looked
   * at again after its Retry-After; any other answer throws.
   */
  async waitForOutcome(id: string, timeoutMs = 30_000): Promise<Order | undefined> {
    const giveUpAt = Date.now() + timeoutMs;
    const { timeoutMs: limit } = this.options;
    const requestTimeoutMs = typeof limit === "function" ? limit("GET") : limit;
    let order: Order | undefined;
    for (;;) {
      const header = { Prefer: `wait=${holdSeconds(giveUpAt - Date.now(), requestTimeoutMs)}` };
      const get = this.orderClient(id).orders[":id"].$get({ param: { id }, header });
      const answer = await read(get);
      if (answer.status === 200) order = answer.body;
      else if (![404, 429, 502, 503].includes(answer.status))
        throw new UnexpectedAnswer(`GET /orders/${id}`, answer, [200, 404]);
      if ((order && order.status !== "PENDING") || Date.now() >= giveUpAt) return order;
      if (!answer.headers.has("Preference-Applied")) {
        const retryAfter = Number(answer.headers.get("Retry-After") ?? Number.NaN);
        const pauseMs = Number.isFinite(retryAfter) ? retryAfter * 1_000 : UNHELD_PAUSE_MS;
        await sleep(Math.min(pauseMs, Math.max(0, giveUpAt - Date.now())));
      }
    }
  }

  /** `GET /orders/{id}/payment`: where the order's card payment stands. */
  async getPayment(id: string) {
    const get = this.orderClient(id).orders[":id"].payment.$get({ param: { id } });
    return (await expectStatus(get, 200)).body;
  }

  /** Every order of a customer (as her), following `nextCursor`. */
  async listOrders(customerId: string) {
    const all = [];
    let cursor: string | undefined;
    do {
      const query = { customerId, limit: "100", cursor };
      const page = (await expectStatus(this.as(customerId).orders.$get({ query }), 200)).body;
      for (const order of page.orders) this.rememberOwner(order.id, order.customerId);
      all.push(...page.orders);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return all;
  }

  /** `GET /orders/{id}/history`: one transition per version of the order. */
  async getHistory(id: string) {
    const get = this.orderClient(id).orders[":id"].history.$get({ param: { id } });
    return (await expectStatus(get, 200)).body.transitions;
  }

  /** `POST /orders/{id}/cancel` as sent (see `orderClient`); the caller judges the answer (202, 409, ...). */
  cancelOrder(id: string, options: { retryBusy?: boolean; as?: string } = {}) {
    return read(this.orderClient(id, options).orders[":id"].cancel.$post({ param: { id } }));
  }

  /** `GET /customers/{id}/orders` (as her): the view service's first page, newest first. */
  async customerOrders(id: string) {
    const get = this.as(id).customers[":id"].orders.$get({ param: { id }, query: {} });
    return (await expectStatus(get, 200)).body;
  }

  // Rewards

  /** `GET /customers/{id}/rewards`, as her. */
  async getRewards(id: string) {
    return (await expectStatus(this.as(id).customers[":id"].rewards.$get({ param: { id } }), 200))
      .body;
  }

  /** The newest `limit` ledger entries (as her). */
  async getLedger(id: string, limit = 500) {
    const get = this.as(id).customers[":id"].rewards.ledger.$get({
      param: { id },
      query: { limit: String(limit) },
    });
    return (await expectStatus(get, 200)).body.entries;
  }

  /** `POST /customers/{id}/rewards/grants` (admin). */
  async grantPoints(id: string, points: number, reason: string) {
    const post = this.typed.customers[":id"].rewards.grants.$post({
      param: { id },
      json: { points, reason },
    });
    return (await expectStatus(post, 201)).body;
  }

  // Admin aggregates

  /** `GET /admin/outbox`: every service's outbox, inbox and relay. */
  async outbox() {
    return (await expectStatus(this.typed.admin.outbox.$get(), 200)).body.services;
  }

  /** `GET /admin/dead-letters`: every service's newest open dead letters. */
  async deadLetters() {
    return (await expectStatus(this.typed.admin["dead-letters"].$get(), 200)).body.services;
  }
}
