import { buildMigratedTemplate } from "../scripts/lib/local-stack";
import { e2eShards } from "./e2e/support/shards";

// `npm test`'s first step (test/lanes.sh): the migrated state every e2e stack starts from,
// built once before the lanes start their stacks at the same time.
const started = Date.now();
await buildMigratedTemplate(e2eShards());
console.log(`migrated state ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
