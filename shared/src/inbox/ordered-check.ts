import type { Catalog } from "../catalog";
import { isOrdered } from "./ordered-handler";

/**
 * An ordered handler's promise holds only if every event of its aggregate reaches it: the
 * producer numbers all of them, so one the service does not consume (or applies unordered)
 * would be a gap that never fills. Checked from the catalog when the consumer is defined.
 * @example checkOrdered(catalog, "view", { OrderConfirmed: ordered(onConfirmed) }) // throws: OrderPlaced...
 */
export function checkOrdered(
  catalog: Pick<Catalog, "definitions">,
  service: string,
  handlers: Record<string, unknown>,
): void {
  for (const [type, handler] of Object.entries(handlers)) {
    if (!isOrdered(handler)) continue;
    const def = catalog.definitions.find((d) => d.type === type);
    if (!def?.aggregate)
      throw new Error(
        `${service}: ${type} is ordered, so its catalog definition must name its aggregate`,
      );
    const unordered = catalog.definitions
      .filter((d) => d.producer === def.producer && d.aggregate === def.aggregate)
      .filter(
        (d) =>
          !isOrdered(handlers[d.type]) ||
          !(d.subscribers.includes(service) || d.producer === service),
      )
      .map((d) => d.type);
    if (unordered.length > 0)
      throw new Error(
        `${service}: ${type} is ordered, so every event of aggregate "${def.aggregate}" from ${def.producer} must reach an ordered handler here; not: ${unordered.join(", ")}`,
      );
  }
}
