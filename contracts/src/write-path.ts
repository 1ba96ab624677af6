/**
 * How the order service publishes OrderPlaced (its var WRITE_PATH; design.md, "Write paths"). In
 * contracts, not the order service, because the dev stack, bench and chaos tools choose it too:
 * - outbox: the order, its lines and the outbox row in one D1 batch;
 * - cdc: the route writes only the order; a trigger on its tables writes the event;
 * - self-read: the request publishes the event to every subscriber and to this service's own
 *   inbox, and writes no order; the order is created when the service consumes its own event.
 */
export const WRITE_PATHS = ["outbox", "cdc", "self-read"] as const;
export type WritePath = (typeof WRITE_PATHS)[number];

/** The configured path; unset is the default (outbox), anything else unknown is a deploy error. */
export function writePathOf(value: string | undefined): WritePath {
  if (value === undefined || value === "") return "outbox";
  if ((WRITE_PATHS as readonly string[]).includes(value)) return value as WritePath;
  throw new Error(`WRITE_PATH must be one of ${WRITE_PATHS.join(", ")}; it is "${value}"`);
}
