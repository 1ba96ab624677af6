import { serviceTestConfig } from "../../shared/testing/config/service-vitest-config.ts";

// MIGRATION_DB: an empty database to apply the migrations to step by step (migration.test.ts).
// DB_1: a second shard's database. SHARDS stays unset (one shard, as deployed by default); the
// shard tests hand the worker an env with SHARDS "2" (test/shards.test.ts).
export default serviceTestConfig("order", import.meta.url, {
  d1Databases: { MIGRATION_DB: "migration-under-test", DB_1: "order-shard-1" },
});
