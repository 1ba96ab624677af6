/** The demo's last word: did every scenario end as expected, and where to look closer. */
import type { Context, ScenarioResult } from "./world";

/** Prints the verdict; true when every scenario ended as expected. */
export function printVerdict(
  ctx: Context,
  scenarios: ScenarioResult[],
  /** The server outlives the demo: point at the last order's history. */
  lookCloser: boolean,
): boolean {
  const { out, client } = ctx;
  const failed = scenarios.filter((s) => !s.ok);
  out.line();
  if (failed.length === 0) {
    out.line(out.green(out.bold(`All ${scenarios.length} scenarios ended as expected.`)));
  } else {
    out.line(
      out.red(
        out.bold(`${failed.length} of ${scenarios.length} scenarios did not end as expected:`),
      ),
    );
    for (const s of failed) out.line(out.red(`  ✘ ${s.title}: ${s.problems.join("; ")}`));
  }
  const last = scenarios.at(-1)?.orderId;
  if (last && lookCloser) {
    // As the order's customer: her token from the local dev issuer (README, "Identity").
    const who = client.ownerOf(last) ?? "<customer>";
    const signIn = `-H 'content-type: application/json' -d '${JSON.stringify({ customerId: who })}'`;
    const token = `node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).accessToken'`;
    const as = `-H "authorization: Bearer $TOKEN"`;
    out.line(
      out.dim(
        `Look closer: TOKEN=$(curl -s -X POST ${client.baseUrl}/auth/dev/token ${signIn} | ${token})`,
      ),
    );
    out.line(out.dim(`             curl ${as} ${client.baseUrl}/orders/${last}/history`));
    out.line(out.dim(`             curl ${as} ${client.baseUrl}/orders/${last}/payment`));
  }
  return failed.length === 0;
}
