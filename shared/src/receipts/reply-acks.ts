import type { Catalog } from "../catalog";
import { runsWithin } from "../db/runs-within";
import type { Envelope } from "../envelope";
import { RECEIPT_IDS_MAX, type Receipt } from "./receipts";

/**
 * A reply is a receipt (issue 25: receipts ride what is sent anyway). A subscriber that
 * answers an event with an event its producer subscribes to (inventory's StockReserved to
 * order's OrderPlaced) marks the answer `acks: { id, shard }` and sends no receipt for the
 * event: the producer, applying the answer, takes the mark as the receipt.
 *
 * The mark names the producer's shard that sent the event; a producer applying the answer on
 * another shard ignores it, and the event is re-sent once and receipted as a copy. An event
 * applied on several of the subscriber's shards (a span) is never answered this way: one
 * shard's answer must not stop the re-sends the others may still need.
 */
export interface ReplyAck {
  /** The event answered. */
  id: string;
  /** The producer's shard that sent it; absent: shard 0. */
  shard?: number;
}

/** An emitted event as stored and sent, with the receipt it carries (outside the envelope). */
export type MarkedEvent = Envelope & { acks?: ReplyAck };

/**
 * `emitted`, with the answers to `event` that go to its producer marked as its receipt.
 * `fromShard`: the producer's shard the event came from.
 */
export function markReplies(
  catalog: Pick<Catalog, "subscribersOf">,
  event: Pick<Envelope, "id" | "source">,
  fromShard: number | undefined,
  emitted: readonly Envelope[],
): MarkedEvent[] {
  let marked = false;
  return emitted.map((reply) => {
    if (
      marked ||
      reply.causationId !== event.id ||
      !catalog.subscribersOf(reply.type).includes(event.source)
    )
      return reply;
    marked = true;
    return { ...reply, acks: { id: event.id, ...(fromShard ? { shard: fromShard } : {}) } };
  });
}

/** Whether one of `emitted` carries `event`'s receipt: then no receipt message is owed. */
export function answeredByReply(
  event: Pick<Envelope, "id">,
  emitted: readonly Partial<MarkedEvent>[],
): boolean {
  return emitted.some((reply) => reply.acks?.id === event.id);
}

/**
 * The receipts the message bodies of a batch carry as replies, for the events of `shard`'s
 * outbox: one per replier (the reply's source).
 */
export function acksCarriedBy(bodies: readonly unknown[], shard: number): Receipt[] {
  const answered = new Map<string, Set<string>>();
  for (const body of bodies) {
    const { source, acks } = (body ?? {}) as Partial<MarkedEvent>;
    if (typeof source !== "string" || typeof acks?.id !== "string") continue;
    if ((acks.shard ?? 0) !== shard) continue;
    const ids = answered.get(source) ?? new Set<string>();
    ids.add(acks.id);
    answered.set(source, ids);
  }
  return [...answered].flatMap(([from, ids]) =>
    runsWithin([...ids], RECEIPT_IDS_MAX).map((handled) => ({ from, handled })),
  );
}
