import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  type ConsumedBy,
  defineCatalog,
  defineEvent,
  type EventDefinition,
  type EventOf,
} from "../src/catalog";
import type { EventHandler } from "../src/inbox/inbox-consumer";
import { defineService, type ServiceHandlers } from "../src/service/define-service";

type TestEnv = { DB: D1Database };
const event = <const T extends string, const P extends string, const S extends readonly string[]>(
  type: T,
  producer: P,
  subscribers: S,
) =>
  defineEvent({ type, version: 1, producer, subscribers, payload: z.object({ id: z.string() }) });
// ledger consumes Billed and Refunded and produces Audited, which it owes no handler.
const catalog = defineCatalog([
  event("Billed", "billing", ["ledger"]),
  event("Refunded", "billing", ["ledger", "audit"]),
  event("Audited", "ledger", ["audit"]),
]);
type LedgerHandlers = ServiceHandlers<typeof catalog, "ledger", TestEnv>;
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

  it("does not compile a missing handler, and refuses it when the Worker loads (for JS)", () => {
    expect(() =>
      // @ts-expect-error: Refunded is routed to ledger and has no handler
      defineService({ name: "ledger", catalog, db, handlers: { Billed: noop } }),
    ).toThrow(/missing: Refunded/);
  });

  it("does not compile a handler for an event not routed to the service, nor loads it", () => {
    expect(() =>
      defineService({
        name: "ledger",
        catalog,
        db,
        // @ts-expect-error: ledger produces Audited, it does not subscribe to it
        handlers: { Billed: noop, Refunded: noop, Audited: noop },
      }),
    ).toThrow(/not routed here: Audited/);
  });

  it("takes handlers for its own events (self-read), and refuses one for an event it does not produce", () => {
    const service = defineService({
      name: "ledger",
      catalog,
      db,
      handlers: { Billed: noop, Refunded: noop },
      ownEvents: { Audited: noop },
    });
    expect(typeof service.worker.queue).toBe("function");
    expect(() =>
      defineService({
        name: "ledger",
        catalog,
        db,
        handlers: { Billed: noop, Refunded: noop },
        // @ts-expect-error: billing produces Billed, not ledger
        ownEvents: { Billed: noop },
      }),
    ).toThrow(/does not produce: Billed/);
  });

  it("asks nothing of a service that subscribes to nothing", () => {
    const service = defineService({ name: "billing", catalog, db, handlers: {} });
    expect(typeof service.worker.fetch).toBe("function");
  });

  it("leaves to the load-time check a catalog whose types do not say who subscribes", () => {
    const untyped: EventDefinition = event("Billed", "billing", ["ledger"]);
    const loose = defineCatalog([untyped]);
    expect(() => defineService({ name: "ledger", catalog: loose, db, handlers: {} })).toThrow(
      /missing: Billed/,
    );
  });
});

describe("ServiceHandlers over a catalog from defineEvent", () => {
  it("knows each service's event types from the subscribers, not the producer", () => {
    expectTypeOf<ConsumedBy<typeof catalog, "ledger">>().toEqualTypeOf<"Billed" | "Refunded">();
    expectTypeOf<ConsumedBy<typeof catalog, "audit">>().toEqualTypeOf<"Refunded" | "Audited">();
    expectTypeOf<ConsumedBy<typeof catalog, "billing">>().toBeNever();
  });

  it("requires exactly one handler per event type routed to the service", () => {
    const complete: LedgerHandlers = { Billed: noop, Refunded: noop };
    // @ts-expect-error: Refunded is routed to ledger and has no handler
    const missing: LedgerHandlers = { Billed: noop };
    // @ts-expect-error: ledger produces Audited, it does not subscribe to it
    const extra: LedgerHandlers = { Billed: noop, Refunded: noop, Audited: noop };
    const wrongEvent: LedgerHandlers = {
      // @ts-expect-error: the Billed handler is written for another event
      Billed: (_event: EventOf<typeof catalog, "Audited">) => ({}),
      Refunded: noop,
    };
    const producer: ServiceHandlers<typeof catalog, "billing", TestEnv> = {};
    expect([complete, missing, extra, wrongEvent, producer]).toHaveLength(5);
  });
});
