import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  // Not ./src/db/schema.ts: it re-exports the kit tables through @edge-saga/shared, whose index
  // imports `cloudflare:workers`, which drizzle-kit cannot load.
  schema: ["./src/db/tables.ts", "../../shared/src/db/kit-schema.ts"],
  out: "./migrations",
});
