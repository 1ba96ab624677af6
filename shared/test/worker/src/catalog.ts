import { z } from "zod";
import { defineCatalog, defineEvent } from "../../../src/catalog";

const TallyChange = z.object({ tallyId: z.string(), by: z.number().int().positive() });

export const TallyIncremented = defineEvent({
  type: "TallyIncremented",
  version: 1,
  producer: "tester",
  subscribers: ["tester"],
  payload: TallyChange,
});
export const TallyDecremented = defineEvent({
  type: "TallyDecremented",
  version: 1,
  producer: "tester",
  subscribers: ["tester"],
  payload: TallyChange,
});
/**
 * Reads the tally, then takes `by` from it in one decision with no fallback: a CHECK that
 * refuses it fails the message (group commit tests).
 */
export const TallyDrained = defineEvent({
  type: "TallyDrained",
  version: 1,
  producer: "tester",
  subscribers: ["tester"],
  payload: TallyChange,
});
/** Sets the tally to twice what its handler read: a decision that depends on the order applied. */
export const TallyDoubled = defineEvent({
  type: "TallyDoubled",
  version: 1,
  producer: "tester",
  subscribers: ["tester"],
  payload: z.object({ tallyId: z.string() }),
});
/** Two subscribers: the relay's send to each must resolve before the row counts as published. */
export const TallyMirrored = defineEvent({
  type: "TallyMirrored",
  version: 1,
  producer: "tester",
  subscribers: ["tester", "audit"],
  payload: TallyChange,
});
/** Its handler always throws: exercises retry and dead-lettering. */
export const PoisonPill = defineEvent({
  type: "PoisonPill",
  version: 1,
  producer: "tester",
  subscribers: ["tester"],
  payload: z.object({ note: z.string() }),
});
/**
 * A step of a ledger (aggregate "ledger", numbered by sequence): its handler is ordered and
 * appends `by` as a digit (value * 10 + by), so any other order gives another value.
 */
export const LedgerStepped = defineEvent({
  type: "LedgerStepped",
  version: 1,
  producer: "tester",
  subscribers: ["tester"],
  aggregate: "ledger",
  payload: TallyChange,
});
/** Nobody subscribes: the relay marks it published without sending. */
export const Unrouted = defineEvent({
  type: "Unrouted",
  version: 1,
  producer: "tester",
  subscribers: [],
  payload: z.object({}),
});

/** Written by the outbox triggers on `gadgets` (change capture), never by code. */
export const GadgetChanged = defineEvent({
  type: "GadgetChanged",
  version: 2,
  producer: "tester",
  subscribers: [],
  payload: z.object({ id: z.string(), label: z.string(), priceCents: z.number().int() }),
});

export const catalog = defineCatalog([
  TallyIncremented,
  TallyDecremented,
  TallyDrained,
  TallyDoubled,
  TallyMirrored,
  PoisonPill,
  LedgerStepped,
  Unrouted,
  GadgetChanged,
]);
