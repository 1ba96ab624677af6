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
}

/** What `POST /orders` takes: `pointsToRedeem` may be left out (0). */
export type PlaceOrder = InferRequestType<TypedClient["orders"]["$post"]>["json"];
/** What `PUT /products/{sku}` takes. */
export type ProductBody = InferRequestType<TypedClient["products"][":sku"]["$put"]>["json"];

type PlaceOptions = { headers?: Record<string, string>; idempotencyKey?: string };

export class ApiClient {
  readonly baseUrl: string;
  /** The typed client; admin routes get the token. */
  readonly typed: TypedClient;
  /** The typed client without the token, for what anyone may call. */
  readonly public: TypedClient;
  readonly busy: TypedClient;
  private readonly raw: typeof fetch;

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

  /** `POST /orders` as sent; the caller judges the answer (202 with the order, or an error). */
  placeOrder(input: PlaceOrder, options: PlaceOptions & { retryBusy?: boolean } = {}) {
    const header = { ...options.headers, "Idempotency-Key": options.idempotencyKey };
    const client = options.retryBusy ? this.busy : this.public;
    return read(client.orders.$post({ json: input, header }));
  }

  async getOrder(id: string) {
    return (await expectStatus(this.typed.orders[":id"].$get({ param: { id } }), 200)).body;
  }

  /** `GET /orders/{id}/payment`: where the order's card payment stands. */
  async getPayment(id: string) {
    const get = this.typed.orders[":id"].payment.$get({ param: { id } });
    return (await expectStatus(get, 200)).body;
  }

  /** Every order of a customer, following `nextCursor`. */
  async listOrders(customerId: string) {
    const all = [];
    let cursor: string | undefined;
    do {
      const query = { customerId, limit: "100", cursor };
      const page = (await expectStatus(this.typed.orders.$get({ query }), 200)).body;
      all.push(...page.orders);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return all;
  }

  /** `GET /orders/{id}/history`: one transition per version of the order. */
  async getHistory(id: string) {
    const get = this.typed.orders[":id"].history.$get({ param: { id } });
    return (await expectStatus(get, 200)).body.transitions;
  }

  /** `POST /orders/{id}/cancel` as sent; the caller judges the answer (202, 409, ...). */
  cancelOrder(id: string, options: { retryBusy?: boolean } = {}) {
    const client = options.retryBusy ? this.busy : this.public;
    return read(client.orders[":id"].cancel.$post({ param: { id } }));
  }

  /** `GET /customers/{id}/orders`: the view service's first page, newest first. */
  async customerOrders(id: string) {
    const get = this.typed.customers[":id"].orders.$get({ param: { id }, query: {} });
    return (await expectStatus(get, 200)).body;
  }

  // Rewards

  async getRewards(id: string) {
    return (await expectStatus(this.typed.customers[":id"].rewards.$get({ param: { id } }), 200))
      .body;
  }

  /** The newest `limit` ledger entries. */
  async getLedger(id: string, limit = 500) {
    const get = this.typed.customers[":id"].rewards.ledger.$get({
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
