/**
 * `npm run check [-- --url http://localhost:8787 --token <admin token>]`: asks the gateway's
 * `GET /admin/consistency` to check design.md's invariants over the whole system, prints the
 * report, and exits 1 on any violation (2 when the check itself could not run).
 * Defaults: `$GATEWAY_URL` or http://localhost:8787; `$ADMIN_TOKEN` or dev-admin-token.
 */
import { parseArgs } from "node:util";
import { ApiClient, UNDER_LOAD } from "./lib/api-client";
import { consistencyReport, formatReport } from "./lib/chaos/consistency";

const { values } = parseArgs({
  options: { url: { type: "string" }, token: { type: "string" }, json: { type: "boolean" } },
});
const url = (values.url ?? process.env.GATEWAY_URL ?? "http://localhost:8787").replace(/\/$/, "");
const token = values.token ?? process.env.ADMIN_TOKEN ?? "dev-admin-token";

try {
  const report = await consistencyReport(new ApiClient(url, token, UNDER_LOAD));
  console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
  process.exit(report.ok ? 0 : 1);
} catch (error) {
  console.error(`check failed: ${(error as Error).message}`);
  process.exit(2);
}
