import { expectStatus } from "@edge-saga/contracts/client";
import type { ApiClient } from "../api-client";

/** `GET /admin/consistency`'s report, as the contract types it. */
export async function consistencyReport(gateway: ApiClient) {
  return (await expectStatus(gateway.typed.admin.consistency.$get(), 200)).body;
}

export type ConsistencyReport = Awaited<ReturnType<typeof consistencyReport>>;

/** The view's two stores compared: each customer's order list in KV against her D1 rows. */
export interface OrderListsCheck {
  /** Customers checked: those with a placed order in D1 or a list in KV. */
  customers: number;
  /** Customers whose KV list differs from the D1 view. */
  differing: string[];
}

/** `GET /admin/view/projection/order-lists`: the view's KV lists compared with its D1 rows. */
export async function orderListsCheck(gateway: ApiClient): Promise<OrderListsCheck> {
  const path = "/admin/view/projection/order-lists";
  return (await gateway.expect<OrderListsCheck>(200, "GET", path, { admin: true })).body;
}

/** What a run reports when the view's KV lists and D1 rows disagree (invariant 7's second store). */
export function orderListsFailure(check: OrderListsCheck): string | null {
  const { customers, differing } = check;
  if (differing.length === 0) return null;
  const more = differing.length > 5 ? ` (+${differing.length - 5} more)` : "";
  return `invariant 7: ${differing.length} of ${customers} customers' order lists in KV differ from the D1 view: ${differing.slice(0, 5).join(", ")}${more}`;
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
    // On several shards: where it was found, so the operator reads that shard.
    if (v.shards?.length)
      lines.push(`  shards: ${v.shards.map((r) => `${r.service} shard ${r.shard}`).join(", ")}`);
  }
  return lines.join("\n");
}
