import { applyD1Migrations, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { emptyTables } from "@edge-saga/kit-testing";
import { relayStub } from "../src/relay/outbox-relay";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await emptyTables(env.DB);
// The relay outlives a file in this runtime (isolate: false): no alarm an earlier file armed
// may drain this file's rows behind its back. (Its storage stays: the object's memory, such as
// a cached fault plan, must keep agreeing with it.)
await runInDurableObject(relayStub(env.RELAY), (_relay, state) => state.storage.deleteAlarm());
