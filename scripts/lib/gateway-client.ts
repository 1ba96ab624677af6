/**
 * A small client of the gateway's public HTTP API (design.md) for the scripts: `npm run dev`'s
 * seed and `npm run demo`. Plain `fetch`, nothing Workers-specific.
 */

export interface Product {
  sku: string;
  name: string;
  priceCents: number;
  available: number;
  reserved: number;
  sold: number;
}

export type OrderStatus = "PENDING" | "CONFIRMED" | "REJECTED" | "CANCELLED";

export interface Order {
  id: string;
  customerId: string;
  status: OrderStatus;
  items: { sku: string; quantity: number; unitPriceCents: number }[];
  totalCents: number;
  pointsRedeemed: number;
  pointsEarned: number;
  rejectionReason: string | null;
  createdAt: string;
  updatedAt: string;
}

/** `GET /orders/{id}/history`: one row per version of the order, written by the order service. */
export interface Transition {
  version: number;
  fromStatus: OrderStatus | null;
  toStatus: OrderStatus;
  /** The command (`PlaceOrder`, `CancelOrder`) or the event type that changed the order. */
  change: string;
  cause: string;
  at: string;
}

export interface RewardsAccount {
  customerId: string;
  balance: number;
  reserved: number;
  lifetimeEarned: number;
}

export interface LedgerEntry {
  id: string;
  kind: string;
  points: number;
  reason: string | null;
  orderId: string | null;
}

export interface OutboxStatus {
  pending: number;
  outboxRows: number;
  inboxRows: number;
}

export interface Answer<T> {
  status: number;
  body: T;
}

export interface ErrorBody {
  error: { code: string; message: string };
}

export class HttpFailure extends Error {}

export class GatewayClient {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    readonly adminToken: string,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  async request<T>(
    method: string,
    path: string,
    options: { body?: unknown; admin?: boolean; timeoutMs?: number } = {},
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (options.admin) headers.authorization = `Bearer ${this.adminToken}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text for the error message
    }
    return { status: res.status, body: body as T };
  }

  /** Like `request`, but any status outside `expected` throws with the whole answer. */
  async expect<T>(
    expected: number[],
    method: string,
    path: string,
    options: { body?: unknown; admin?: boolean } = {},
  ): Promise<Answer<T>> {
    const answer = await this.request<T>(method, path, options);
    if (!expected.includes(answer.status)) {
      throw new HttpFailure(
        `${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 500)}`,
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

  /** The product, or undefined when inventory does not know the SKU (404). */
  async findProduct(sku: string): Promise<Product | undefined> {
    const answer = await this.expect<Product>([200, 404], "GET", `/products/${sku}`);
    return answer.status === 200 ? answer.body : undefined;
  }

  async getProduct(sku: string): Promise<Product> {
    return (await this.expect<Product>([200], "GET", `/products/${sku}`)).body;
  }

  async putProduct(
    sku: string,
    input: { name: string; priceCents: number; stock: number },
  ): Promise<Product> {
    return (
      await this.expect<Product>([200, 201], "PUT", `/products/${sku}`, {
        body: input,
        admin: true,
      })
    ).body;
  }

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
    const answer = await this.request<{ entries: LedgerEntry[] }>(
      "GET",
      `/customers/${customerId}/rewards/ledger?limit=${limit}`,
    );
    if (answer.status !== 200 || !Array.isArray(answer.body?.entries)) return undefined;
    return answer.body.entries;
  }

  async grantPoints(customerId: string, points: number, reason: string): Promise<void> {
    await this.expect([201], "POST", `/customers/${customerId}/rewards/grants`, {
      body: { points, reason },
      admin: true,
    });
  }

  placeOrder(input: {
    customerId: string;
    items: { sku: string; quantity: number }[];
    pointsToRedeem?: number;
  }): Promise<Answer<Order | ErrorBody>> {
    return this.request<Order | ErrorBody>("POST", "/orders", { body: input });
  }

  async getOrder(id: string): Promise<Order> {
    return (await this.expect<Order>([200], "GET", `/orders/${id}`)).body;
  }

  async getHistory(id: string): Promise<Transition[]> {
    return (await this.expect<{ transitions: Transition[] }>([200], "GET", `/orders/${id}/history`))
      .body.transitions;
  }

  cancelOrder(id: string): Promise<Answer<Order | ErrorBody>> {
    return this.request<Order | ErrorBody>("POST", `/orders/${id}/cancel`);
  }

  async outbox(): Promise<Record<string, OutboxStatus>> {
    return (
      await this.expect<{ services: Record<string, OutboxStatus> }>([200], "GET", "/admin/outbox", {
        admin: true,
      })
    ).body.services;
  }
}
