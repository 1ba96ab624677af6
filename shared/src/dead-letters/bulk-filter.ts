/**
 * Which dead letters a bulk replay or discard acts on: the open ones matching every criterion
 * given (admin-schemas.ts `DeadLetterFilter` validates it; at least one is required, so an empty
 * filter never means "all"). Pure: the queries turn a shard's criteria into SQL.
 */
export interface DeadLetterFilter {
  /** The event's type, exactly (e.g. `PaymentCaptured`). */
  eventType?: string;
  /** A substring of the reason, case-sensitive (e.g. `handler failed`). */
  reason?: string;
  /** Received at or after this time (ISO 8601). */
  receivedFrom?: string;
  /** Received before this time (ISO 8601). */
  receivedTo?: string;
  /** These dead letters, by the ids the admin routes show (`s<shard>.` beyond shard 0). */
  ids?: string[];
}

/** One shard's part of a filter: times in epoch ms, ids as that shard stored them. */
export interface ShardCriteria {
  eventType?: string;
  reason?: string;
  fromMs?: number;
  toMs?: number;
  ids?: string[];
}

/**
 * A filter as one shard's criteria, or null when it can match nothing there (its ids all
 * name other shards). `locate` maps an admin id to its shard and stored id (`parseDeadLetterId`).
 */
export function criteriaOn(
  filter: DeadLetterFilter,
  shard: number,
  locate: (id: string) => { shard: number; id: string } | null,
): ShardCriteria | null {
  const ids = filter.ids
    ?.map(locate)
    .filter((at) => at?.shard === shard)
    .map((at) => at?.id as string);
  if (ids && ids.length === 0) return null;
  return {
    eventType: filter.eventType,
    reason: filter.reason,
    fromMs: filter.receivedFrom === undefined ? undefined : Date.parse(filter.receivedFrom),
    toMs: filter.receivedTo === undefined ? undefined : Date.parse(filter.receivedTo),
    ids,
  };
}
