import type { ApiClient } from "../api-client";

/** `GET /admin/consistency`'s answer (workers/operations/src/consistency/snapshot.ts). */
export interface ConsistencyReport {
  ok: boolean;
  checkedAt: string;
  counts: Record<string, number | Record<string, number>>;
  violations: { invariant: number; message: string; ids: string[] }[];
}

export async function consistencyReport(gateway: ApiClient): Promise<ConsistencyReport> {
  return (
    await gateway.expect<ConsistencyReport>(200, "GET", "/admin/consistency", { admin: true })
  ).body;
}

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
  }
  return lines.join("\n");
}
