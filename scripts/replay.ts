/**
 * `npm run replay -- --to view --since <ISO time> [--rebuild] [--url ...] [--token ...]`:
 * re-sends every producer's retained outbox events committed since that time to one
 * subscriber's queue (backfill of a new subscriber; `--rebuild` first empties the view, so it
 * is rebuilt from scratch). Consumers dedupe, so replaying to a live subscriber is safe. Only
 * events still retained (published outbox rows are kept 7 days by default) can be replayed.
 * Defaults: `$GATEWAY_URL` or http://localhost:8787; `$ADMIN_TOKEN` or dev-admin-token.
 */
import { parseArgs } from "node:util";
import { ApiClient, UNDER_LOAD } from "./lib/api-client";
import { replay } from "./lib/replay";

const { values } = parseArgs({
  options: {
    to: { type: "string" },
    since: { type: "string" },
    rebuild: { type: "boolean" },
    url: { type: "string" },
    token: { type: "string" },
  },
});
const since = new Date(values.since ?? "");
if (!values.to || Number.isNaN(since.getTime())) {
  console.error(
    "usage: npm run replay -- --to <subscriber> --since <ISO time> [--rebuild] [--url]",
  );
  process.exit(2);
}
const url = (values.url ?? process.env.GATEWAY_URL ?? "http://localhost:8787").replace(/\/$/, "");
const token = values.token ?? process.env.ADMIN_TOKEN ?? "dev-admin-token";

try {
  const { sent } = await replay(new ApiClient(url, token, UNDER_LOAD), {
    to: values.to,
    since,
    rebuild: values.rebuild,
    log: (line) => console.log(line),
  });
  console.log(
    `replayed ${Object.values(sent).reduce((a, b) => a + b, 0)} events to ${values.to}; the consumer applies them shortly`,
  );
} catch (error) {
  console.error(`replay failed: ${(error as Error).message}`);
  process.exit(1);
}
