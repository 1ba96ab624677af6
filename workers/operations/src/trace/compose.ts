import type { OrderTrace, ServiceTrace, TraceEvent, TraceTimeout } from "@edge-saga/contracts";
import { parseAwaiting } from "@edge-saga/shared";
import { SERVICES, type ServiceName } from "../types";

/** The order as the trace needs it (the public Order has it all). */
export interface TracedOrder {
  id: string;
  status: OrderTrace["status"];
  rejectionReason?: string | null;
  pointsRedeemed?: number;
  createdAt?: string;
  updatedAt?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
const isService = (name: string): name is ServiceName =>
  (SERVICES as readonly string[]).includes(name);

/**
 * One order's saga from what each service saw of it: every event a service published, and
 * for each subscriber the catalog names whether (on which delivery) it applied the event,
 * the duplicates it dropped and its dead letter. Pure: same answers, same trace.
 * @example composeTrace({ id, status }, { order, inventory, rewards }, catalog.subscribersOf)
 */
/** Who the producer still waits for a receipt from (the kit keeps them as a JSON array). */
export function composeTrace(
  order: TracedOrder,
  traces: Record<ServiceName, ServiceTrace>,
  subscribersOf: (type: string) => readonly string[],
): OrderTrace {
  const events: (TraceEvent & { committedMs: number })[] = SERVICES.flatMap((producer) =>
    traces[producer].published.map((row) => ({
      eventId: row.eventId,
      type: row.type,
      producer,
      causationId: row.causationId,
      correlationId: order.id,
      committedAt: iso(row.committedAt),
      publishedAt: isoOrNull(row.publishedAt),
      resends: row.resends ?? 0,
      committedMs: row.committedAt,
      deliveries: subscribersOf(row.type)
        .filter(isService)
        .map((service) => {
          const applied = traces[service].handled.find((h) => h.eventId === row.eventId);
          // Newest last (the kit lists them by arrival): a replayed one may have come again.
          const dead = traces[service].deadLetters.filter((d) => d.eventId === row.eventId).at(-1);
          return {
            service,
            appliedAt: applied ? iso(applied.appliedAt) : null,
            attempts: applied?.attempts ?? 0,
            duplicatesDropped: applied?.duplicatesDropped ?? 0,
            lastDuplicateAt: isoOrNull(applied?.lastDuplicateAt ?? null),
            receipted:
              row.publishedAt !== null && !parseAwaiting(row.awaitingReceiptFrom).includes(service),
            deadLetter: dead
              ? { reason: dead.reason, at: iso(dead.receivedAt), resolution: dead.resolution }
              : null,
          };
        }),
    })),
  );
  return {
    orderId: order.id,
    status: order.status,
    timedOut: timeoutOf(order, traces),
    events: causalOrder(events).map(({ committedMs: _, ...event }) => event),
  };
}

/**
 * The deadline step of an order rejected TIMED_OUT: when (the OrderRejected's commit, else the
 * order's last change), how long after it was placed, and which participants had not answered
 * by then: inventory always answers, rewards only when points are redeemed.
 */
function timeoutOf(
  order: TracedOrder,
  traces: Record<ServiceName, ServiceTrace>,
): TraceTimeout | null {
  if (order.status !== "REJECTED" || order.rejectionReason !== "TIMED_OUT") return null;
  const rejected = traces.order.published.find((e) => e.type === "OrderRejected");
  const at = rejected?.committedAt ?? Date.parse(order.updatedAt ?? "");
  const placed = Date.parse(order.createdAt ?? "");
  if (!Number.isFinite(at)) return null;
  const participants: ServiceName[] = ["inventory"];
  if ((order.pointsRedeemed ?? 0) > 0) participants.push("rewards");
  const answeredInTime = (service: ServiceName) =>
    traces[service].published.some((reply) =>
      traces.order.handled.some((h) => h.eventId === reply.eventId && h.appliedAt <= at),
    );
  return {
    at: iso(at),
    afterSeconds: Number.isFinite(placed) ? Math.round((at - placed) / 100) / 10 : 0,
    waitingFor: participants.filter((service) => !answeredInTime(service)),
  };
}

/**
 * Commit-time order, except that an event never comes before the event that caused it
 * (the services' clocks need not agree). An event caused by something outside the trace
 * (the request that placed the order) waits for nothing.
 */
function causalOrder<
  E extends { eventId: string; causationId: string | null; committedMs: number },
>(events: E[]): E[] {
  const pending = [...events].sort(
    (a, b) => a.committedMs - b.committedMs || a.eventId.localeCompare(b.eventId),
  );
  const ids = new Set(events.map((e) => e.eventId));
  const placed = new Set<string>();
  const ordered: E[] = [];
  while (pending.length > 0) {
    const ready = pending.findIndex(
      (e) => e.causationId === null || !ids.has(e.causationId) || placed.has(e.causationId),
    );
    // A cycle cannot happen with real ids; should one appear, time decides.
    const [next] = pending.splice(Math.max(ready, 0), 1);
    if (!next) break;
    ordered.push(next);
    placed.add(next.eventId);
  }
  return ordered;
}
