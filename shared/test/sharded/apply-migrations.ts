import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { emptyTables } from "@edge-saga/kit-testing";

// Every shard's database gets the same migrations, as `npm run dev -- --shards N` applies them.
for (const db of [env.DB, env.DB_1]) {
  await applyD1Migrations(db, env.TEST_MIGRATIONS);
  await emptyTables(db);
}
