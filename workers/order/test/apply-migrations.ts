import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// Every shard's database: the shard tests run the worker on DB and DB_1.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await applyD1Migrations(env.DB_1, env.TEST_MIGRATIONS);
