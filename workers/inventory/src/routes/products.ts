import type { Product, ProductInput } from "@edge-saga/contracts";
import { productRoutes } from "@edge-saga/contracts/http";
import {
  contractRoutes,
  errorText,
  everyShard,
  HttpError,
  onShard,
  pokeRelay,
  retryOnConflict,
  shardCount,
  shardOf,
} from "@edge-saga/shared";
import { asc, eq, sql } from "drizzle-orm";
import { type Database, database } from "../db/client";
import { type ProductRow, products as productsTable } from "../db/schema";

/** A PUT that lost the race to a concurrent PUT reads again; this many tries, then 409. */
const PUT_ATTEMPTS = 5;

/** The two ways a concurrent PUT shows: the version guard below, or losing the first insert. */
function lostRace(error: unknown): boolean {
  return /NOT NULL constraint failed: products\.version|UNIQUE constraint failed: products\.sku/i.test(
    errorText(error),
  );
}

function toProduct(row: ProductRow): Product {
  const { sku, name, priceCents, available, reserved, sold } = row;
  return { sku, name, priceCents, available, reserved, sold };
}

/**
 * Creates or replaces a product. Its ProductUpserted is not written here: the products
 * table's outbox triggers (db/product-upserted-trigger.ts) write it in the same statement
 * when the name or price changed. `stock` sets the available units; `received` grows by
 * what that adds, computed in SQL against the row as it is when the statement runs
 * (reservations may have moved units since we read it). The version is checked in SQL
 * too: two PUTs that read the same version cannot both commit.
 */
async function putProduct(
  db: Database,
  sku: string,
  input: ProductInput,
): Promise<{ created: boolean; product: ProductRow }> {
  return retryOnConflict({
    attempts: PUT_ATTEMPTS,
    isConflict: lostRace,
    attempt: async () => {
      const current = await db
        .select({ version: productsTable.version })
        .from(productsTable)
        .where(eq(productsTable.sku, sku))
        .get();
      const version = (current?.version ?? 0) + 1;
      const now = Date.now();
      const write = current
        ? db
            .update(productsTable)
            .set({
              name: input.name,
              priceCents: input.priceCents,
              received: sql`${productsTable.received} + ${input.stock} - ${productsTable.available}`,
              available: input.stock,
              // NULL (refused by NOT NULL) if another PUT got in first.
              version: sql`CASE WHEN ${productsTable.version} = ${current.version} THEN ${version} END`,
              updatedAt: now,
            })
            .where(eq(productsTable.sku, sku))
            .returning()
        : // A concurrent first PUT makes this insert hit the primary key; the retry updates.
          db
            .insert(productsTable)
            .values({
              sku,
              name: input.name,
              priceCents: input.priceCents,
              available: input.stock,
              received: input.stock,
              version,
              createdAt: now,
              updatedAt: now,
            })
            .returning();
      const product = (await write)[0];
      if (!product) throw new Error(`product ${sku} was not written`);
      return { created: !current, product };
    },
    onExhausted: () => {
      throw new HttpError(409, "CONFLICT", `product ${sku} is being changed concurrently; retry`);
    },
  });
}

/** The shard a product lives on: its SKU's (one database, one relay, for all it does). */
function skuShard(env: Env, sku: string): number {
  return shardOf(sku, shardCount(env));
}

/** Every product of every shard, sorted by SKU as one database's ORDER BY sku would. */
async function listAll(env: Env): Promise<ProductRow[]> {
  const perShard = await Promise.all(
    everyShard(env).map((shard) =>
      database(shard).select().from(productsTable).orderBy(asc(productsTable.sku)),
    ),
  );
  // SKUs are ASCII (IdSchema), so code-unit order is SQLite's binary order.
  return perShard.flat().sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

/** The inventory's public routes, each served from its contract definition. */
export const products = contractRoutes<{ Bindings: Env }>()
  .openapi(productRoutes.listProducts, async (c) => {
    const rows = await listAll(c.env);
    return c.json({ products: rows.map(toProduct) }, 200);
  })
  .openapi(productRoutes.getProduct, async (c) => {
    const { sku } = c.req.valid("param");
    const row = await database(onShard(c.env, skuShard(c.env, sku)))
      .select()
      .from(productsTable)
      .where(eq(productsTable.sku, sku))
      .get();
    if (!row) throw new HttpError(404, "NOT_FOUND", `no product ${sku}`);
    return c.json(toProduct(row), 200);
  })
  .openapi(productRoutes.putProduct, async (c) => {
    const { sku } = c.req.valid("param");
    const shard = skuShard(c.env, sku);
    const db = database(onShard(c.env, shard));
    const { created, product } = await putProduct(db, sku, c.req.valid("json"));
    // Its ProductUpserted is in that shard's outbox: that shard's relay sends it.
    c.executionCtx.waitUntil(pokeRelay(c.env.OUTBOX_RELAY, undefined, { shard }));
    return c.json(toProduct(product), created ? 201 : 200);
  });
