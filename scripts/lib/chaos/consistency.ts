import { expectStatus } from "@edge-saga/contracts/client";
import type { ApiClient } from "../api-client";

/** `GET /admin/consistency`'s report, as the contract types it. */
export async function consistencyReport(gateway: ApiClient) {
  return (await expectStatus(gateway.typed.admin.consistency.$get(), 200)).body;
}

export type ConsistencyReport = Awaited<ReturnType<typeof consistencyReport>>;

/** The report as an operator reads it. */
export function formatReport(report: ConsistencyReport): string {
  const lines = [
    `consistency: ${report.ok ? "OK" : `${report.violations.length} VIOLATION(S)`} (checked ${report.checkedAt})`,
    `counts: ${JSON.stringify(report.counts)}`,
  ];
  for (const v of report.violations) {
    const more = v.ids.length > 10 ? ` (+${v.ids.length - 10} more)` : "";
    lines.push(`- invariant ${v.invariant}: ${v.message}`);
    lines.push(`  ids: ${v.ids.slice(0, 10).join(", ")}${more}`);
    // On several shards: where it was found, so the operator reads that shard.
    if (v.shards?.length)
      lines.push(`  shards: ${v.shards.map((r) => `${r.service} shard ${r.shard}`).join(", ")}`);
  }
  return lines.join("\n");
}
