import type { Catalog } from "../catalog";
import type { Envelope } from "../envelope";
import { type Receipt, receiptOf } from "../receipts/receipts";
import { decodeBody } from "./processed-events";

/** What a message turns out to be before anything is applied. */
export type Decoded =
  /** A delivery receipt for this service's own events: bookkeeping, never stored. */
  | { kind: "receipt"; receipt: Receipt }
  /** Not applicable, ever: dead-lettered at once with `reason` (retrying would not help). */
  | { kind: "dead-letter"; reason: string; event: Partial<Envelope> }
  /** A valid event (upcast to its newest version) that this service has a handler for. */
  | { kind: "event"; event: Envelope };

/**
 * The decode/upcast stage: a body that is not JSON, breaks the envelope or its payload schema,
 * names an unknown type or one this service does not consume becomes a dead-letter decision
 * with its reason, never an error that would fail the batch.
 * @example decodeMessage('{"id":1', { catalog, service: "order", consumes: () => true })
 * // { kind: "dead-letter", reason: "invalid envelope: ...", event: {} }
 */
export function decodeMessage(
  body: unknown,
  {
    catalog,
    service,
    consumes,
  }: { catalog: Pick<Catalog, "parse">; service: string; consumes: (type: string) => boolean },
): Decoded {
  const decoded = decodeBody(body);
  const receipt = receiptOf(decoded);
  if (receipt) return { kind: "receipt", receipt };
  const parsed = catalog.parse(decoded);
  if (!parsed.ok) {
    const source = (decoded as Partial<Envelope> | null)?.source;
    return {
      kind: "dead-letter",
      reason: parsed.reason,
      event: {
        id: parsed.eventId,
        type: parsed.eventType,
        ...(typeof source === "string" ? { source } : {}),
      },
    };
  }
  if (!consumes(parsed.event.type))
    return {
      kind: "dead-letter",
      reason: `${service} does not consume ${parsed.event.type}`,
      event: parsed.event,
    };
  return { kind: "event", event: parsed.event };
}
