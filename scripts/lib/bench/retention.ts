import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BACKLOG_KINDS, retentionBacklogSql } from "@edge-saga/kit-testing/retention-backlog";
import {
  RETENTION_CHUNK_ROWS,
  RETENTION_RUN_MS,
  RETENTION_STATEMENTS,
} from "../../../shared/src/retention/retention-budget";
import { d1Execute } from "./d1";
import type { Row } from "./report";
import { round } from "./stats";
import { type BenchClient, benchApi } from "./workloads";

/**
 * Retention under a backlog (issue 26): the view's database, the busiest (every order's ~8
 * events land in its inbox), seeded with `rows` rows of each kind past retention; then the
 * cron's maintenance, on demand, run after run until one prunes nothing. Each run stops at
 * its own budget (shared/src/retention/retention.ts), as the cron's would.
 */

/**
 * Rows an order leaves in one database for retention: the view's inbox gets its ~8 events (the
 * other kinds there are a few rows a minute); the order service's outbox and inbox about as many.
 */
export const ROWS_PER_ORDER = 8;

const VIEW_DB = { database: "edge-saga-view", config: "workers/view/wrangler.toml" };

export interface RetentionResult {
  rowsPerKind: number;
  kinds: readonly string[];
  pruned: Record<string, number>;
  runs: number;
  ms: number;
  rowsPerSecond: number;
  /**
   * The orders per second whose rows the once-a-minute cron keeps up with: what one run prunes
   * (`rowsPerSecond` over its time budget, at most its statements' rows) a minute, over
   * `ROWS_PER_ORDER`.
   */
  ordersPerSecond: number;
}

export async function measureRetention(
  client: BenchClient,
  persistDir: string,
  workDir: string,
  rows: number,
): Promise<RetentionResult> {
  const day = 86_400_000;
  const file = join(workDir, "retention-backlog.sql");
  const sql = retentionBacklogSql({ prefix: "retention", rows, at: Date.now() - 8 * day });
  writeFileSync(file, `${sql.join(";\n")};\n`);
  await d1Execute({ ...VIEW_DB, persistDir }, { file });
  const api = benchApi(client);
  const pruned: Record<string, number> = {};
  const started = Date.now();
  let runs = 0;
  for (;;) {
    const { body } = await api.expect(200, "POST", "/admin/view/maintenance", { admin: true });
    runs++;
    const run = (body as { pruned: Record<string, number> }).pruned;
    for (const [kind, n] of Object.entries(run)) pruned[kind] = (pruned[kind] ?? 0) + n;
    if (Object.values(run).every((n) => n === 0) || runs > 100) break;
  }
  const ms = Date.now() - started;
  const total = Object.values(pruned).reduce((a, b) => a + b, 0);
  const rowsPerSecond = Math.round(total / (ms / 1000));
  return {
    rowsPerKind: rows,
    kinds: BACKLOG_KINDS,
    pruned,
    runs,
    ms,
    rowsPerSecond,
    ordersPerSecond: round(sustainedRowsPerMinute(rowsPerSecond) / 60 / ROWS_PER_ORDER, 0),
  };
}

/** Rows the cron's run each minute prunes at `rowsPerSecond`, within its budget. */
export function sustainedRowsPerMinute(rowsPerSecond: number): number {
  const byTime = rowsPerSecond * (RETENTION_RUN_MS / 1000);
  return Math.min(byTime, RETENTION_STATEMENTS * RETENTION_CHUNK_ROWS);
}

/** The bench's rows: the rate, and the order rate it is worth (target: 200 orders/s). */
export function retentionRows(r: RetentionResult | null): Row[] {
  if (!r) return [];
  const figure = `${r.rowsPerKind} rows of each of ${r.kinds.join(", ")}, past retention, in ${r.runs} maintenance runs`;
  return [
    { section: "retention", figure, value: r.rowsPerSecond, unit: "rows/s", samples: r.runs },
    {
      section: "retention",
      figure: `orders/s kept up with by a cron run a minute (${RETENTION_RUN_MS / 1000} s budget, ${ROWS_PER_ORDER} rows an order)`,
      value: r.ordersPerSecond,
      unit: "orders/s",
      target: ">= 200",
      met: r.ordersPerSecond >= 200,
    },
  ];
}
