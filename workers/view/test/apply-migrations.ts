import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { clearOrderLists } from "../src/kv/order-list-store";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
// The second shard's database (vitest.config.ts) has the same schema.
await applyD1Migrations(env.DB_1, env.TEST_MIGRATIONS);
// KV outlives the files too: each file starts with no customer's order list.
await clearOrderLists(env.CUSTOMER_ORDERS_KV);
