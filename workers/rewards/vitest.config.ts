import { serviceTestConfig } from "../../shared/testing/config/service-vitest-config.ts";

// DB_1: a second shard's database, for the tests that run the service on two shards
// (shard-routing.test.ts); the others run on one, SHARDS unset, and never read it.
export default serviceTestConfig("rewards", import.meta.url, {
  d1Databases: { DB_1: "rewards-shard-1" },
});
