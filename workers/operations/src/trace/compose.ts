import type {
  OrderTrace,
  ServiceTrace,
  TraceEffect,
  TraceEvent,
  TraceTimeout,
} from "@edge-saga/contracts";
import { parseAwaiting, traceOf } from "@edge-saga/shared";
import { SERVICES, type ServiceName } from "../types";

/** The order as the trace needs it (the public Order has it all). */
export interface TracedOrder {
  id: string;
  status: OrderTrace["status"];
  rejectionReason?: string | null;
  totalCents?: number;
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
 * the duplicates it dropped and its dead letter; then the calls a service made outside its
 * database for it (the payment service's card processor calls), each with its attempts, and
 * where the order's payment stands. Pure: same answers, same trace.
 * @example composeTrace({ id, status }, { order, inventory, rewards, payment }, catalog.subscribersOf)
 */
export function composeTrace(
  order: TracedOrder,
  traces: Record<ServiceName, ServiceTrace>,
  subscribersOf: (type: string) => readonly string[],
  payment: OrderTrace["payment"] = null,
): OrderTrace {
  const events: (TraceEvent & { committedMs: number })[] = SERVICES.flatMap((producer) =>
    traces[producer].published.map((row) => ({
      eventId: row.eventId,
      type: row.type,
      producer,
      traceId: traceOf({ traceparent: row.traceparent ?? undefined })?.traceId ?? null,
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
  const ordered = causalOrder(events).map(({ committedMs: _, ...event }) => event);
  return {
    orderId: order.id,
    status: order.status,
    // The saga's: the first event's (OrderPlaced, which carries the placing request's).
    traceId: ordered.find((event) => event.traceId !== null)?.traceId ?? null,
    timedOut: timeoutOf(order, traces),
    events: ordered,
    payment,
    effects: SERVICES.flatMap((service) =>
      (traces[service].effects ?? []).map((effect) => effectOf(service, effect, traces[service])),
    ),
  };
}

type EffectRow = NonNullable<ServiceTrace["effects"]>[number];

/** The outcome as recorded (JSON text), parsed; text that is not JSON stays text. */
function parsedOutcome(outcome: string | null): unknown {
  if (outcome === null) return null;
  try {
    return JSON.parse(outcome);
  } catch {
    return outcome;
  }
}

/**
 * One effect with its calls. The event reporting its outcome is committed in the same batch as
 * the outcome, at the same time (shared/src/effects): an event of the service committed when the
 * effect was done. A subject's effects are made one at a time, so one saga has no two at once.
 */
function effectOf(service: ServiceName, effect: EffectRow, trace: ServiceTrace): TraceEffect {
  const reportedBy =
    effect.doneAt === null
      ? undefined
      : trace.published.find((row) => row.committedAt === effect.doneAt);
  return {
    service,
    kind: effect.kind,
    key: effect.key,
    status: effect.status,
    outcome: parsedOutcome(effect.outcome),
    attempts: effect.attempts,
    decidedAt: iso(effect.decidedAt),
    doneAt: isoOrNull(effect.doneAt),
    lastError: effect.lastError,
    reportedBy: reportedBy?.eventId ?? null,
    calls: (effect.calls ?? []).map((call) => ({
      attempt: call.attempt,
      at: iso(call.startedAt),
      ms: call.ms,
      result: call.result,
      detail: call.detail,
    })),
  };
}

/**
 * The deadline step of an order rejected TIMED_OUT: when (the OrderRejected's commit, else the
 * order's last change), how long after it was placed, and which participants had not answered
 * by then: inventory always answers, rewards only when points are redeemed, payment only when
 * points do not pay the whole total.
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
  if ((order.totalCents ?? 0) - (order.pointsRedeemed ?? 0) > 0) participants.push("payment");
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

/**
 * Per subscriber, the saga's events it acknowledged (its receipt is back) but did not apply:
 * it dead-lettered them, and its own trace found no dead letter by its inbox. The trace asks
 * for those by id (the dead-letter index); a healthy saga has none, so needs no second call.
 */
export function unexplainedDeliveries(
  traces: Record<ServiceName, ServiceTrace>,
  subscribersOf: (type: string) => readonly string[],
): Partial<Record<ServiceName, string[]>> {
  const asked: Partial<Record<ServiceName, string[]>> = {};
  for (const producer of SERVICES)
    for (const row of traces[producer].published) {
      if (row.publishedAt === null) continue;
      const awaiting = parseAwaiting(row.awaitingReceiptFrom ?? null);
      for (const service of subscribersOf(row.type).filter(isService)) {
        const seen = traces[service];
        if (awaiting.includes(service)) continue;
        if (seen.handled.some((h) => h.eventId === row.eventId)) continue;
        if (seen.deadLetters.some((d) => d.eventId === row.eventId)) continue;
        asked[service] = [...(asked[service] ?? []), row.eventId];
      }
    }
  return asked;
}
