import { serviceTestConfig } from "../../shared/testing/config/service-vitest-config.ts";

// DB_1: a second shard's database. SHARDS stays unset (one shard, as deployed by default);
// the shard tests hand the worker an env with SHARDS "2" (test/shards.test.ts).
export default serviceTestConfig("inventory", import.meta.url, {
  d1Databases: { DB_1: "inventory-shard-1" },
});
