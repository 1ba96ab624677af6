import type { ApiClient } from "./api-client";

/**
 * Demo data for `npm run dev`: a few products and a customer with points. Safe to run on every
 * start: a product that exists is left alone (PUT would reset its stock to the seed's and undo
 * what customers bought), and the points are granted once per customer (the ledger remembers).
 */

export interface SeedProduct {
  sku: string;
  name: string;
  priceCents: number;
  stock: number;
}

export const SEED_PRODUCTS: readonly SeedProduct[] = [
  { sku: "desk-lamp", name: "Desk lamp", priceCents: 2599, stock: 25 },
  { sku: "led-bulb-4", name: "LED bulb, pack of 4", priceCents: 1250, stock: 100 },
  { sku: "enamel-mug", name: "Enamel mug", priceCents: 1800, stock: 40 },
  { sku: "notebook-a5", name: "A5 dotted notebook", priceCents: 950, stock: 60 },
  { sku: "gooseneck-kettle", name: "Gooseneck kettle (limited)", priceCents: 6900, stock: 3 },
];

export const SEED_CUSTOMER = "demo-customer";
export const SEED_POINTS = 2_000;
/** The grant's ledger reason: how a later run knows the points were already given. */
export const SEED_GRANT_REASON = "npm run dev seed";

export interface SeedOptions {
  products?: readonly SeedProduct[];
  customerId?: string;
  points?: number;
}

export interface SeedReport {
  created: SeedProduct[];
  /** Left as they are: SKUs that already existed. */
  kept: string[];
  customerId: string;
  /** Points granted by this run: 0 when the customer already had the seed grant. */
  granted: number;
  balance: number;
}

export async function seed(client: ApiClient, options: SeedOptions = {}): Promise<SeedReport> {
  const products = options.products ?? SEED_PRODUCTS;
  const customerId = options.customerId ?? SEED_CUSTOMER;
  const points = options.points ?? SEED_POINTS;

  const created: SeedProduct[] = [];
  const kept: string[] = [];
  for (const product of products) {
    // Check first: PUT is an upsert that SETS available stock, which would undo sales.
    if (await client.findProduct(product.sku)) {
      kept.push(product.sku);
      continue;
    }
    const { sku, ...input } = product;
    await client.putProduct(sku, input);
    created.push(product);
  }

  let granted = 0;
  if (!(await alreadyGranted(client, customerId))) {
    await client.grantPoints(customerId, points, SEED_GRANT_REASON);
    granted = points;
  }
  const { balance } = await client.getRewards(customerId);
  return { created, kept, customerId, granted, balance };
}

async function alreadyGranted(client: ApiClient, customerId: string): Promise<boolean> {
  const limit = 500;
  const ledger = await client.getLedger(customerId, limit);
  if (ledger) {
    if (ledger.some((e) => e.kind === "GRANT" && e.reason === SEED_GRANT_REASON)) return true;
    // A full page without the grant: an account this busy was seeded long ago; leave it.
    return ledger.length >= limit;
  }
  // No ledger route: an account that ever held or earned points is not new.
  const account = await client.getRewards(customerId);
  return account.balance !== 0 || account.reserved !== 0 || account.lifetimeEarned !== 0;
}
