/**
 * The demo's own world: products, customers, and what their numbers must be. Every run has
 * fresh ones (the run id is in their names), so the demo can run again and again.
 */
import type { ApiClient } from "../api-client";
import type { Out } from "./output";

export type ProductKey = "lamp" | "bulb" | "kettle";
export type CustomerKey = "alice" | "bob" | "carol";

export interface DemoProduct {
  key: ProductKey;
  sku: string;
  name: string;
  priceCents: number;
  stock: number;
}

export interface Counts {
  available: number;
  reserved: number;
  sold: number;
}

export interface Points {
  balance: number;
  reserved: number;
}

/** What the demo expects the system to hold: updated after each scenario that passed. */
export class Model {
  readonly stock = new Map<string, Counts>();
  readonly points = new Map<string, Points>();

  /** The expected end state after `deltas`, without changing the model. */
  after(deltas: Deltas): { stock: Map<string, Counts>; points: Map<string, Points> } {
    const stock = new Map([...this.stock].map(([sku, c]) => [sku, { ...c }]));
    const points = new Map([...this.points].map(([id, p]) => [id, { ...p }]));
    for (const [sku, d] of Object.entries(deltas.stock ?? {})) {
      const c = stock.get(sku)!;
      c.available += d.available ?? 0;
      c.sold += d.sold ?? 0;
    }
    for (const [id, change] of Object.entries(deltas.points ?? {})) {
      points.get(id)!.balance += change;
    }
    return { stock, points };
  }

  accept(deltas: Deltas) {
    const next = this.after(deltas);
    for (const [sku, c] of next.stock) this.stock.set(sku, c);
    for (const [id, p] of next.points) this.points.set(id, p);
  }
}

export interface Deltas {
  stock?: Record<string, { available?: number; sold?: number }>;
  points?: Record<string, number>;
}

export interface World {
  run: string;
  products: Record<ProductKey, DemoProduct>;
  customers: Record<CustomerKey, string>;
  /** The points each customer is granted at the start. */
  grants: Record<CustomerKey, number>;
}

export function demoWorld(run: string): World {
  return {
    run,
    products: {
      lamp: {
        key: "lamp",
        sku: `demo-${run}-lamp`,
        name: "Desk lamp",
        priceCents: 2599,
        stock: 10,
      },
      bulb: { key: "bulb", sku: `demo-${run}-bulb`, name: "LED bulb", priceCents: 1250, stock: 20 },
      kettle: {
        key: "kettle",
        sku: `demo-${run}-kettle`,
        name: "Kettle (only 2 left)",
        priceCents: 6900,
        stock: 2,
      },
    },
    customers: { alice: `alice-${run}`, bob: `bob-${run}`, carol: `carol-${run}` },
    grants: { alice: 1000, bob: 200, carol: 50 },
  };
}

export interface Context extends World {
  client: ApiClient;
  out: Out;
  model: Model;
}

export interface ScenarioResult {
  title: string;
  ok: boolean;
  problems: string[];
  orderId?: string;
}

export function productName(ctx: Context, sku: string): string {
  return Object.values(ctx.products).find((p) => p.sku === sku)?.name ?? sku;
}
