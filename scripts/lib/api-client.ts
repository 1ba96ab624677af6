import type {
  CustomerOrders,
  ErrorBody,
  Grant,
  LedgerEntry,
  Order,
  OrderHistory,
  OrderList,
  OrderPayment,
  OrderTransition,
  OutboxStatus,
  PlaceOrderInput,
  Product,
  ProductInput,
  RewardsAccount,
} from "@edge-saga/contracts";
import type { z } from "zod";

/**
 * The one client of the gateway's public HTTP API (design.md), for the scripts and the e2e
 * tests: plain `fetch`, typed with contracts' schemas. Typed methods for the public routes;
 * `request` and `expect` for anything else (admin routes with `admin: true`), with the raw
 * status and headers for callers that judge the answer themselves.
 */

export interface Answer<T> {
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
  /** Abort after this long; the client's `timeoutMs` otherwise. */
  timeoutMs?: number;
  /** Send again a second later while the gateway refuses for load (429 rate limit, 503). */
  retryBusy?: boolean;
}

export interface ClientOptions {
  /** Abort a request after this long (default: no limit). */
  timeoutMs?: number;
  /**
   * Tries of a request that got no answer (the local dev proxy resets a connection under load):
   * only reads and the idempotent maintenance poke are sent again. Default 1.
   */
  attempts?: number;
  /** Told before each such resend (a log line; a caller that counts every try sent). */
  onResend?: (method: string, path: string, error: unknown) => void;
}

/** How `npm run dev` and `npm run demo` talk to a stack: a request never hangs for long. */
export const SCRIPT_TIMEOUTS: ClientOptions = { timeoutMs: 15_000 };
/** How a chaos run and the operator scripts (check, replay) talk to a stack under load. */
export const UNDER_LOAD: ClientOptions = { timeoutMs: 60_000, attempts: 3 };

/** How long `retryBusy` keeps trying: 120 pauses of a second. */
const BUSY_RETRIES = 120;
const BUSY_PAUSE_MS = 1_000;

/** What `POST /orders` takes: `pointsToRedeem` may be left out (0). */
export type PlaceOrder = z.input<typeof PlaceOrderInput>;
/** The services of the admin aggregates (`GET /admin/outbox`, `/admin/dead-letters`). */
export type PerService<T> = { order: T; inventory: T; rewards: T; payment: T };

/** An answer outside the statuses `expect` was told to accept. */
export class UnexpectedAnswer extends Error {
  constructor(
    message: string,
    readonly answer: Answer<unknown>,
  ) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ApiClient {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    readonly adminToken: string,
    readonly options: ClientOptions = {},
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  async request<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<Answer<T>> {
    for (let retry = 0; ; retry++) {
      const answer = await this.send<T>(method, path, options);
      const busy = answer.status === 429 || answer.status === 503;
      if (!options.retryBusy || !busy || retry >= BUSY_RETRIES) return answer;
      await sleep(BUSY_PAUSE_MS);
    }
  }

  private async send<T>(method: string, path: string, options: RequestOptions): Promise<Answer<T>> {
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    if (options.admin) headers.authorization = `Bearer ${this.adminToken}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers["content-type"] ??= "application/json";
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    }
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    const resendable = method === "GET" || path.endsWith("/maintenance");
    const attempts = resendable ? (this.options.attempts ?? 1) : 1;
    let res: Response | undefined;
    for (let attempt = 1; !res; attempt++) {
      try {
        res = await fetch(`${this.baseUrl}${path}`, {
          method,
          headers,
          body,
          signal: timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        if (attempt >= attempts) throw error;
        this.options.onResend?.(method, path, error);
      }
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text for whoever reads the answer
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  /** Like `request`, but a status outside `expected` throws with the whole exchange. */
  async expect<T = unknown>(
    expected: number | number[],
    method: string,
    path: string,
    options?: RequestOptions,
  ): Promise<Answer<T>> {
    const answer = await this.request<T>(method, path, options);
    const ok = Array.isArray(expected) ? expected : [expected];
    if (!ok.includes(answer.status)) {
      const sent = options?.body === undefined ? "" : ` ${JSON.stringify(options.body)}`;
      throw new UnexpectedAnswer(
        `${method} ${path}${sent.slice(0, 1000)}\nexpected ${ok.join(" or ")}, got ${answer.status}: ` +
          JSON.stringify(answer.body).slice(0, 2000),
        answer,
      );
    }
    return answer;
  }

  /** True when something answers `GET /products` without a server error. */
  async isUp(timeoutMs = 2_000): Promise<boolean> {
    try {
      return (await this.request("GET", "/products", { timeoutMs })).status < 500;
    } catch {
      return false;
    }
  }

  // Products (inventory)

  async getProduct(sku: string): Promise<Product> {
    return (await this.expect<Product>(200, "GET", `/products/${sku}`)).body;
  }

  /** The product, or undefined when inventory does not know the SKU (404). */
  async findProduct(sku: string): Promise<Product | undefined> {
    const answer = await this.expect<Product>([200, 404], "GET", `/products/${sku}`);
    return answer.status === 200 ? answer.body : undefined;
  }

  /** `PUT /products/{sku}` (admin): creates the product or sets its name, price and stock. */
  async putProduct(sku: string, input: ProductInput): Promise<Product> {
    return (
      await this.expect<Product>([200, 201], "PUT", `/products/${sku}`, {
        body: input,
        admin: true,
      })
    ).body;
  }

  // Orders (order service)

  /** `POST /orders` as sent; the caller judges the answer (202 with the order, or an error). */
  placeOrder(
    input: PlaceOrder,
    options: Omit<RequestOptions, "body"> & { idempotencyKey?: string } = {},
  ): Promise<Answer<Order | ErrorBody>> {
    const { idempotencyKey, ...rest } = options;
    const headers = { ...rest.headers };
    if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
    return this.request("POST", "/orders", { ...rest, body: input, headers });
  }

  async getOrder(id: string): Promise<Order> {
    return (await this.expect<Order>(200, "GET", `/orders/${id}`)).body;
  }

  /** `GET /orders/{id}/payment`: where the order's card payment stands. */
  async getPayment(id: string): Promise<OrderPayment> {
    return (await this.expect<OrderPayment>(200, "GET", `/orders/${id}/payment`)).body;
  }

  /** Every order of a customer, following `nextCursor`. */
  async listOrders(customerId: string): Promise<Order[]> {
    const all: Order[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `customerId=${customerId}&limit=100${cursor ? `&cursor=${cursor}` : ""}`;
      const page: OrderList = (await this.expect<OrderList>(200, "GET", `/orders?${query}`)).body;
      all.push(...page.orders);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  }

  /** `GET /orders/{id}/history`: one transition per version of the order. */
  async getHistory(id: string): Promise<OrderTransition[]> {
    return (await this.expect<OrderHistory>(200, "GET", `/orders/${id}/history`)).body.transitions;
  }

  /** `POST /orders/{id}/cancel` as sent; the caller judges the answer (202, 409, ...). */
  cancelOrder(
    id: string,
    options: Omit<RequestOptions, "body"> = {},
  ): Promise<Answer<Order | ErrorBody>> {
    return this.request("POST", `/orders/${id}/cancel`, options);
  }

  /** `GET /customers/{id}/orders`: the view service's first page, newest first. */
  async customerOrders(customerId: string): Promise<CustomerOrders> {
    return (await this.expect<CustomerOrders>(200, "GET", `/customers/${customerId}/orders`)).body;
  }

  // Rewards

  async getRewards(customerId: string): Promise<RewardsAccount> {
    const answer = await this.expect<RewardsAccount>(
      [200, 404],
      "GET",
      `/customers/${customerId}/rewards`,
    );
    // A customer rewards has never seen has, for every purpose, an empty account.
    if (answer.status === 404) return { customerId, balance: 0, reserved: 0, lifetimeEarned: 0 };
    return answer.body;
  }

  /** The newest `limit` ledger entries, or undefined if the gateway has no ledger route. */
  async getLedger(customerId: string, limit = 500): Promise<LedgerEntry[] | undefined> {
    const answer = await this.request<{ entries?: LedgerEntry[] }>(
      "GET",
      `/customers/${customerId}/rewards/ledger?limit=${limit}`,
    );
    if (answer.status !== 200 || !Array.isArray(answer.body?.entries)) return undefined;
    return answer.body.entries;
  }

  /** `POST /customers/{id}/rewards/grants` (admin). */
  async grantPoints(
    customerId: string,
    points: number,
    reason: string,
  ): Promise<{ grant: Grant; account: RewardsAccount }> {
    return (
      await this.expect<{ grant: Grant; account: RewardsAccount }>(
        201,
        "POST",
        `/customers/${customerId}/rewards/grants`,
        { body: { points, reason }, admin: true },
      )
    ).body;
  }

  // Admin aggregates

  /** `GET /admin/outbox`: every service's outbox, inbox and relay. */
  async outbox(): Promise<PerService<OutboxStatus>> {
    return (
      await this.expect<{ services: PerService<OutboxStatus> }>(200, "GET", "/admin/outbox", {
        admin: true,
      })
    ).body.services;
  }

  /** `GET /admin/dead-letters`: every service's newest open dead letters. */
  async deadLetters(): Promise<PerService<{ deadLetters: unknown[] }>> {
    return (
      await this.expect<{ services: PerService<{ deadLetters: unknown[] }> }>(
        200,
        "GET",
        "/admin/dead-letters",
        { admin: true },
      )
    ).body.services;
  }
}
