import type { OutboxTriggerSpec } from "../../../src/cdc/outbox-trigger";
import { GadgetChanged } from "./catalog";

/** What migrations/*_gadget_changed_trigger.sql holds; a test keeps the two equal. */
export const gadgetChangedTrigger: OutboxTriggerSpec = {
  table: "gadgets",
  trigger: "gadget_changed",
  event: GadgetChanged,
  on: { insert: true, update: ["label", "price_cents"] },
  aggregateType: "gadget",
  aggregateId: "NEW.id",
  payload: "json_object('id', NEW.id, 'label', NEW.label, 'priceCents', NEW.price_cents)",
};
