import { kitTestConfig } from "./testing/config/kit-vitest-config.ts";

/** The kit's shard tests: a defineService worker on two D1 databases (test/sharded-worker). */
export default kitTestConfig({
  name: "shared-sharded",
  worker: "sharded-worker",
  include: ["test/sharded/**/*.test.ts"],
  setupFile: "./test/sharded/apply-migrations.ts",
});
