import { randomBytes } from "node:crypto";
import type { ErrorBody, Order } from "@edge-saga/contracts";
import { expect, inject } from "vitest";
import type { PlaceOrder } from "../../../scripts/lib/api-client";
import { api } from "./api";
import { assertConsistent } from "./invariants";
import { poll, waitForOrderToExist, waitForQuiet } from "./wait";

/** A fresh id no other scenario uses (the stack is shared by every file). */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString("hex")}`;
}

/**
 * What a scenario did that the invariants are judged against: the stock it put per SKU and the
 * points it granted per customer. Every SKU and customer it touches must be registered here.
 */
export class Scenario {
  readonly stock = new Map<string, number>();
  readonly grants = new Map<string, number>();

  constructor(readonly name: string) {}

  customer(label = "c"): string {
    const id = uniqueId(`${this.name}-${label}`);
    this.grants.set(id, 0);
    return id;
  }

  /** Puts a product with a fresh SKU; the order service learns it by event, so wait for quiet. */
  async product(input: { priceCents: number; stock: number; name?: string }): Promise<string> {
    const sku = uniqueId(`${this.name}-sku`);
    const product = await api.putProduct(sku, { name: input.name ?? `Product ${sku}`, ...input });
    expect(product).toMatchObject({ sku, priceCents: input.priceCents, available: input.stock });
    this.stock.set(sku, input.stock);
    return sku;
  }

  async grant(customerId: string, points: number): Promise<void> {
    await api.grantPoints(customerId, points, "e2e grant");
    this.grants.set(customerId, (this.grants.get(customerId) ?? 0) + points);
  }

  /** Waits until products put so far have reached the order service's catalog replica. */
  async settle(): Promise<void> {
    await waitForQuiet();
  }

  /** A customer and one product, settled: ready for her first order. */
  async customerAndProduct(product: { priceCents: number; stock: number }) {
    const customer = this.customer();
    const sku = await this.product(product);
    await this.settle();
    return { customer, sku };
  }

  /**
   * `POST /orders`, expecting 202. A 422 UNKNOWN_PRODUCT right after a product was put is the
   * catalog replica lagging (eventual consistency, nothing was created): try again briefly.
   */
  async placeOrder(input: PlaceOrder, options: { idempotencyKey?: string } = {}): Promise<Order> {
    let last: unknown;
    return poll(
      async () => {
        const answer = await api.placeOrder(input, options);
        last = answer;
        if (answer.status === 202) {
          const order = answer.body as Order;
          expect(answer.headers.get("location")).toBe(`/orders/${order.id}`);
          // Self-read: the order exists once the order service consumed its own OrderPlaced;
          // a scenario goes on from an order it can read, as on the other paths.
          if (inject("writePath") === "self-read") await waitForOrderToExist(order.id);
          return order;
        }
        if (answer.status === 422 && (answer.body as ErrorBody).error?.code === "UNKNOWN_PRODUCT") {
          return undefined;
        }
        throw new Error(
          `POST /orders ${JSON.stringify(input)} -> ${answer.status} ${JSON.stringify(answer.body)}`,
        );
      },
      { what: "order accepted", timeoutMs: 15_000, last: () => JSON.stringify(last) },
    );
  }

  /** design.md's invariants 1-5 for this scenario's SKUs and customers, once the system is quiet. */
  async check(): Promise<void> {
    await assertConsistent(this);
  }
}
