import type { FaultReport } from "../faults/faults";
import type { OutboxRelay, RelayStatus, ReplayJob } from "../relay/outbox-relay";
import { relayStub } from "../relay/outbox-relay";
import { totalUnrouted } from "../relay/relay-send";
import { everyShard, shardCount } from "../shards/shard-env";
import type { KitAdminOptions } from "./admin-options";

/**
 * The admin routes read every shard of a service (shard-env.ts): one entry per shard with its
 * env (`onShard`), its database and its relay. On one shard it is the env as given, so a
 * service on one database answers exactly as before (and needs no `DB` binding by that name).
 */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export interface AdminShard<E, T extends OutboxRelay<any>> {
  shard: number;
  env: E;
  d1: D1Database;
  relay: DurableObjectStub<T>;
}

// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export function adminShards<E extends object, T extends OutboxRelay<any>>(
  options: KitAdminOptions<E, T>,
  env: E,
): AdminShard<E, T>[] {
  const envs: E[] = options.shards?.(env) ?? (shardCount(env) === 1 ? [env] : everyShard(env));
  return envs.map((shardEnv, shard) => ({
    shard,
    env: shardEnv,
    d1: options.d1(shardEnv),
    relay: relayStub(options.relay(env), shard),
  }));
}

/** Runs `read` on every shard in parallel; the answers in shard order. */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export function onEveryShard<E, T extends OutboxRelay<any>, R>(
  shards: AdminShard<E, T>[],
  read: (shard: AdminShard<E, T>) => Promise<R>,
): Promise<R[]> {
  return Promise.all(shards.map(read));
}

/**
 * A dead letter's id as the admin routes show it: shard 0's as stored (so one database's ids
 * are unchanged), another shard's prefixed `s<shard>.` (ids are UUIDs, and `.` passes the
 * gateway's id rule where `:` would not), so replay and discard find its shard again.
 */
export function deadLetterIdOf(shard: number, id: string): string {
  return shard === 0 ? id : `s${shard}.${id}`;
}

/** The shard and stored id an admin dead-letter id names; null for a shard the service lacks. */
export function parseDeadLetterId(
  id: string,
  shards: number,
): { shard: number; id: string } | null {
  const match = /^s(\d{1,3})\.(.+)$/.exec(id);
  if (!match) return { shard: 0, id };
  const shard = Number(match[1]);
  return shard > 0 && shard < shards ? { shard, id: match[2] as string } : null;
}

const sum = (values: number[]) => values.reduce((total, n) => total + n, 0);
/** The earliest of the known times (null when none is known). */
export const earliest = (times: (number | null | undefined)[]) => {
  const known = times.filter((t): t is number => typeof t === "number");
  return known.length ? Math.min(...known) : null;
};
const latest = (times: (number | null | undefined)[]) => {
  const known = times.filter((t): t is number => typeof t === "number");
  return known.length ? Math.max(...known) : null;
};

/**
 * The relays of a service's shards as one `relay` field of before: totals summed, the latest
 * run, success and error (with its text), the worst run of failures, the next alarm of any.
 * The per-shard statuses beside it say which shard is behind.
 */
export function mergeRelayStatus(statuses: RelayStatus[]): RelayStatus {
  if (statuses.length === 1) return statuses[0] as RelayStatus;
  const lastErrorAt = latest(statuses.map((s) => s.lastErrorAt));
  const held = statuses.filter((s) => s.heldResentTotal !== undefined);
  return {
    lastRunAt: latest(statuses.map((s) => s.lastRunAt)),
    lastSuccessAt: latest(statuses.map((s) => s.lastSuccessAt)),
    lastError: statuses.find((s) => s.lastErrorAt === lastErrorAt)?.lastError ?? null,
    lastErrorAt,
    consecutiveFailures: Math.max(...statuses.map((s) => s.consecutiveFailures)),
    publishedTotal: sum(statuses.map((s) => s.publishedTotal)),
    resentTotal: sum(statuses.map((s) => s.resentTotal)),
    ...(held.length ? { heldResentTotal: sum(held.map((s) => s.heldResentTotal ?? 0)) } : {}),
    unrouted: totalUnrouted(...statuses.map((s) => s.unrouted)),
    nextAlarmAt: earliest(statuses.map((s) => s.nextAlarmAt)),
  };
}

interface Unacknowledged {
  events: number;
  oldestPublishedAt: number | null;
  bySubscriber: Record<string, number>;
}

/** Receipts still owed, over every shard: counts summed, the oldest of all. */
export function mergeUnacknowledged(parts: Unacknowledged[]): Unacknowledged {
  if (parts.length === 1) return parts[0] as Unacknowledged;
  const bySubscriber: Record<string, number> = {};
  for (const part of parts)
    for (const [subscriber, n] of Object.entries(part.bySubscriber))
      bySubscriber[subscriber] = (bySubscriber[subscriber] ?? 0) + n;
  return {
    events: sum(parts.map((p) => p.events)),
    oldestPublishedAt: earliest(parts.map((p) => p.oldestPublishedAt)),
    bySubscriber: Object.fromEntries(
      Object.entries(bySubscriber).sort(([a], [b]) => a.localeCompare(b)),
    ),
  };
}

/** Per-minute counts over every shard, summed per minute (and metric), by minute. */
export function mergeMinutes<R extends { minute: number; count: number; metric?: string }>(
  parts: R[][],
): R[] {
  if (parts.length === 1) return parts[0] as R[];
  const merged = new Map<string, R>();
  for (const rows of parts)
    for (const row of rows) {
      const key = `${row.metric ?? ""}@${row.minute}`;
      const seen = merged.get(key);
      merged.set(key, seen ? { ...seen, count: seen.count + row.count } : { ...row });
    }
  return [...merged.values()].sort((a, b) => a.minute - b.minute);
}

/** Summed field by field (the totals of the stats route, a maintenance run's pruned rows). */
export function sumFields<K extends string>(parts: Record<K, number>[]): Record<K, number> {
  const total = {} as Record<K, number>;
  for (const part of parts)
    for (const [key, n] of Object.entries(part) as [K, number][])
      total[key] = (total[key] ?? 0) + n;
  return total;
}

/**
 * The ids after a key of every shard, as one keyset page: each shard's first `limit` after
 * `after`, merged, deduplicated (an event applied on several shards counts once), the first
 * `limit`. The global first `limit` are always among them.
 */
export function mergePages<R>(parts: R[][], idOf: (row: R) => string, limit: number): R[] {
  if (parts.length === 1) return parts[0] as R[];
  const byId = new Map<string, R>();
  for (const rows of parts)
    for (const row of rows) if (!byId.has(idOf(row))) byId.set(idOf(row), row);
  return [...byId.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, limit)
    .map(([, row]) => row);
}

/** Rows of every shard ordered by `at` (stable: shard order among equal times), each naming its shard. */
export function mergeByTime<R extends object>(
  parts: R[][],
  at: (row: R) => number | null | undefined,
  direction: "asc" | "desc" = "asc",
): (R & { shard?: number })[] {
  if (parts.length === 1) return parts[0] as R[];
  const sign = direction === "asc" ? 1 : -1;
  return parts
    .flatMap((rows, shard) => rows.map((row) => ({ ...row, shard })))
    .sort((a, b) => sign * ((at(a) ?? 0) - (at(b) ?? 0)));
}

/** Every shard's replays as one, by subscriber: messages summed, the first start, the last end. */
export function mergeReplays(parts: Record<string, ReplayJob>[]): Record<string, ReplayJob> {
  if (parts.length === 1) return parts[0] as Record<string, ReplayJob>;
  const merged: Record<string, ReplayJob> = {};
  for (const subscriber of new Set(parts.flatMap((p) => Object.keys(p)))) {
    const jobs = parts.map((p) => p[subscriber]).filter((j): j is ReplayJob => j !== undefined);
    const first = jobs[0] as ReplayJob;
    merged[subscriber] = {
      ...first,
      afterSeq: Math.min(...jobs.map((j) => j.afterSeq)),
      sent: sum(jobs.map((j) => j.sent)),
      startedAt: Math.min(...jobs.map((j) => j.startedAt)),
      // Finished only when every shard's replay finished.
      finishedAt: jobs.some((j) => j.finishedAt === null)
        ? null
        : latest(jobs.map((j) => j.finishedAt)),
    };
  }
  return merged;
}

/** The fault plans of every shard's relay as one: shard 0's plan, injected and drawn summed. */
export function mergeFaultReports(parts: FaultReport[]): FaultReport {
  if (parts.length === 1) return parts[0] as FaultReport;
  const first = parts[0] as FaultReport;
  const drawn = parts.filter((p) => p.drawn !== undefined);
  return {
    ...first,
    injected: sumFields(parts.map((p) => p.injected as Record<string, number>)),
    ...(drawn.length
      ? { drawn: sumFields(drawn.map((p) => p.drawn as Record<string, number>)) }
      : {}),
  };
}
