import { serviceTestConfig } from "../../shared/testing/config/service-vitest-config.ts";

// MIGRATION_DB: an empty database to apply the migrations to step by step (migration.test.ts).
export default serviceTestConfig("view", import.meta.url, {
  d1Databases: { MIGRATION_DB: "view-migration-under-test" },
});
