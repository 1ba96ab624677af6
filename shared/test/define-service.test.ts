import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type Catalog, defineCatalog, defineEvent, type EventDefinition } from "../src/catalog";
import type { EventHandler } from "../src/inbox/inbox-consumer";
import { defineService, type ServiceHandlers } from "../src/service/define-service";

type TestEnv = { DB: D1Database };
/** An event billing produces for ledger. */
const billingEvent = <const T extends string>(type: T) =>
  defineEvent({
    type,
    version: 1,
    producer: "billing",
    subscribers: ["ledger"],
    payload: z.object({ id: z.string() }),
  });
const catalog = defineCatalog([billingEvent("Billed"), billingEvent("Refunded")]);
const db = () => ({}) as never;
const noop: EventHandler<TestEnv> = () => ({});

describe("defineService", () => {
  it("builds the worker and the relay class when the handlers match the catalog", () => {
    const service = defineService({
      name: "ledger",
      catalog,
      db,
      handlers: { Billed: noop, Refunded: noop },
    });
    expect(typeof service.worker.fetch).toBe("function");
    expect(typeof service.worker.queue).toBe("function");
    expect(typeof service.OutboxRelay).toBe("function");
  });

  it("refuses, when the Worker loads, a missing handler the catalog's types cannot see", () => {
    expect(() =>
      defineService({ name: "ledger", catalog, db, handlers: { Billed: noop } }),
    ).toThrow(/missing: Refunded/);
  });

  it("does not compile a handler for an event the catalog routes nowhere near the service", () => {
    expect(() =>
      defineService({
        name: "ledger",
        catalog,
        db,
        // @ts-expect-error: NoSuchEvent is not routed to ledger
        handlers: { Billed: noop, Refunded: noop, NoSuchEvent: noop },
      }),
    ).toThrow(/not routed here: NoSuchEvent/);
  });
});

/** A catalog whose types keep producer and subscribers apart, as `defineEvent`'s do not yet. */
type ExactCatalog = Catalog<
  readonly [
    EventDefinition<"Billed", z.ZodType, string> & {
      producer: "billing";
      subscribers: readonly "ledger"[];
    },
  ]
>;

describe("ServiceHandlers over a catalog whose types say exactly who subscribes", () => {
  it("does not compile a missing handler", () => {
    // @ts-expect-error: Billed is routed to ledger and has no handler
    const missing: ServiceHandlers<ExactCatalog, "ledger", TestEnv> = {};
    const complete: ServiceHandlers<ExactCatalog, "ledger", TestEnv> = { Billed: noop };
    // The producer owes no handler for its own event.
    const producer: ServiceHandlers<ExactCatalog, "billing", TestEnv> = {};
    expect([missing, complete, producer]).toHaveLength(3);
  });
});
