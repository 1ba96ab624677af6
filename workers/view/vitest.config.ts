import { serviceTestConfig } from "../../shared/testing/config/service-vitest-config.ts";

// MIGRATION_DB: an empty database to apply the migrations to step by step (migration.test.ts).
// DB_1: a second shard's database, for the tests on two shards (shard-routing.test.ts); the
// others run on one, SHARDS unset, and never read it.
export default serviceTestConfig("view", import.meta.url, {
  d1Databases: { MIGRATION_DB: "view-migration-under-test", DB_1: "view-shard-1" },
});
