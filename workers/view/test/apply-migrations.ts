import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
// The second shard's database (vitest.config.ts) has the same schema.
await applyD1Migrations(env.DB_1, env.TEST_MIGRATIONS);
