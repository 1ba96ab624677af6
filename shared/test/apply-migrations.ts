import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { emptyTables } from "@edge-saga/kit-testing";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await emptyTables(env.DB);
