import { inject } from "vitest";
import type {
  DeadLetters,
  ErrorBody,
  Order,
  OrderList,
  OutboxStatus,
  PlaceOrderInput,
  Product,
  RewardsAccount,
  ServicesAnswer,
} from "./types";

export interface Answer<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Send `Authorization: Bearer <admin token>`. */
  admin?: boolean;
}

/** The public HTTP API of the gateway, nothing else: what a client of edge-saga can do. */
export class Api {
  constructor(
    readonly baseUrl: string,
    readonly adminToken: string,
  ) {}

  async request<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    if (options.admin) headers.authorization = `Bearer ${this.adminToken}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers["content-type"] ??= "application/json";
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    }
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text, the assertion will show it
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  /** Like `request`, but anything but `expected` fails with the whole answer in the message. */
  async expect<T>(
    expected: number | number[],
    method: string,
    path: string,
    options?: RequestOptions,
  ): Promise<Answer<T>> {
    const answer = await this.request<T>(method, path, options);
    const ok = Array.isArray(expected) ? expected : [expected];
    if (!ok.includes(answer.status)) {
      throw new Error(
        `${method} ${path} ${options?.body ? JSON.stringify(options.body) : ""}\n` +
          `expected ${ok.join(" or ")}, got ${answer.status}: ${JSON.stringify(answer.body)}`,
      );
    }
    return answer;
  }

  async putProduct(sku: string, input: { name: string; priceCents: number; stock: number }) {
    return (
      await this.expect<Product>([200, 201], "PUT", `/products/${sku}`, {
        body: input,
        admin: true,
      })
    ).body;
  }

  async getProduct(sku: string) {
    return (await this.expect<Product>(200, "GET", `/products/${sku}`)).body;
  }

  /** `POST /orders` as sent; the caller judges the answer. */
  placeOrder(input: PlaceOrderInput, options: { idempotencyKey?: string } = {}) {
    const headers: Record<string, string> = {};
    if (options.idempotencyKey) headers["idempotency-key"] = options.idempotencyKey;
    return this.request<Order | ErrorBody>("POST", "/orders", { body: input, headers });
  }

  async getOrder(id: string) {
    return (await this.expect<Order>(200, "GET", `/orders/${id}`)).body;
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

  cancelOrder(id: string) {
    return this.request<Order | ErrorBody>("POST", `/orders/${id}/cancel`);
  }

  async getRewards(customerId: string): Promise<RewardsAccount> {
    const answer = await this.expect<RewardsAccount | ErrorBody>(
      [200, 404],
      "GET",
      `/customers/${customerId}/rewards`,
    );
    // A customer rewards has never seen has, for every purpose, an empty account.
    if (answer.status === 404) return { customerId, balance: 0, reserved: 0, lifetimeEarned: 0 };
    return answer.body as RewardsAccount;
  }

  async grantPoints(customerId: string, points: number, reason = "e2e grant") {
    return (
      await this.expect<unknown>(201, "POST", `/customers/${customerId}/rewards/grants`, {
        body: { points, reason },
        admin: true,
      })
    ).body;
  }

  async outbox() {
    return (
      await this.expect<ServicesAnswer<OutboxStatus>>(200, "GET", "/admin/outbox", { admin: true })
    ).body.services;
  }

  async deadLetters() {
    return (
      await this.expect<ServicesAnswer<DeadLetters>>(200, "GET", "/admin/dead-letters", {
        admin: true,
      })
    ).body.services;
  }
}

/** The API of the stack the global setup started. */
export const api = new Api(inject("baseUrl"), inject("adminToken"));
