import { emptyTables } from "@edge-saga/kit-testing";
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await emptyTables(env.DB);
