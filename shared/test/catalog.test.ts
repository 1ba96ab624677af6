import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineCatalog, defineEvent, type EventOf } from "../src/catalog";
import { createEnvelope, EnvelopeSchema } from "../src/envelope";
import { increment } from "./helpers";
import { catalog } from "./worker/src/catalog";

describe("event catalog", () => {
  it("builds valid envelopes with time-ordered ids and the producer from the catalog", () => {
    const a = increment("c", 1);
    const b = increment("c", 1);
    expect(EnvelopeSchema.parse(a)).toBeTruthy();
    expect(a).toMatchObject({
      type: "TallyIncremented",
      source: "tester",
      version: 1,
      payload: { tallyId: "c", by: 1 },
    });
    expect(a.id < b.id).toBe(true);
  });

  it("refuses to create an event whose payload breaks its schema", () => {
    expect(() =>
      catalog.create("TallyIncremented", {
        aggregateType: "t",
        aggregateId: "t",
        correlationId: "t",
        causationId: "t",
        payload: { tallyId: "t", by: 0 },
      }),
    ).toThrow();
  });

  it("routes from the subscribers each event declares", () => {
    expect(catalog.subscribersOf("TallyIncremented")).toEqual(["tester"]);
    expect(catalog.subscribersOf("TallyMirrored")).toEqual(["tester", "audit"]);
    expect(catalog.subscribersOf("Unrouted")).toEqual([]);
    expect(catalog.consumedBy("tester")).toEqual([
      "TallyIncremented",
      "TallyDecremented",
      "TallyDrained",
      "TallyDoubled",
      "TallyMirrored",
      "PoisonPill",
      "LedgerStepped",
    ]);
    expect(catalog.consumedBy("audit")).toEqual(["TallyMirrored"]);
  });

  it("says why a message is rejected", () => {
    expect(catalog.parse("nope")).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/invalid envelope/),
    });
    expect(catalog.parse({ ...increment("c"), version: 9 })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/unsupported version 9/),
    });
    expect(catalog.parse({ ...increment("c"), occurredAt: "yesterday" })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/occurredAt/),
    });
    const good = increment("c");
    expect(catalog.parse(JSON.parse(JSON.stringify(good)))).toEqual({ ok: true, event: good });
  });
});

describe("event versions and upcasters", () => {
  // A three-step history: v1 a flat price, v2 a price with a currency, v3 a list of prices.
  const V1 = z.object({ sku: z.string(), priceCents: z.number().int() });
  const V2 = z.object({
    sku: z.string(),
    price: z.object({ amountCents: z.number().int(), currency: z.literal("USD") }),
  });
  const V3 = z.object({
    sku: z.string(),
    prices: z.array(z.object({ amountCents: z.number().int(), currency: z.string() })).min(1),
  });
  const PriceSet = defineEvent({
    type: "PriceSet",
    version: 3,
    producer: "pricing",
    subscribers: ["shop"],
    payload: V3,
    upcasters: {
      1: {
        payload: V1,
        up: (v1) => ({
          sku: v1.sku,
          price: { amountCents: v1.priceCents, currency: "USD" },
        }),
      },
      2: { payload: V2, up: (v2) => ({ sku: v2.sku, prices: [v2.price] }) },
    },
  });
  /** An event of `type` at version 2 whose version 1 `up` upcasts (v1 -> v2 only). */
  const v2UpFromV1 = <const T extends string>(
    type: T,
    up: (v1: z.output<typeof V1>) => z.input<typeof V2>,
  ) =>
    defineEvent({
      type,
      version: 2,
      producer: "pricing",
      subscribers: ["shop"],
      payload: V2,
      upcasters: { 1: { payload: V1, up } },
    });
  /** Its upcaster forgets the currency: the newest schema must catch it. */
  const Broken = v2UpFromV1(
    "Broken",
    (v1) => ({ sku: v1.sku, price: { amountCents: v1.priceCents } }) as never,
  );
  const Throws = v2UpFromV1("Throws", () => {
    throw new Error("no rate for this sku");
  });
  const versioned = defineCatalog([PriceSet, Broken, Throws]);

  /** The envelope fields of a price set on the mug. */
  const mugAggregate = {
    aggregateType: "sku",
    aggregateId: "mug",
    correlationId: "mug",
    causationId: "test",
  };
  const sent = (type: string, version: number, payload: unknown) =>
    JSON.parse(
      JSON.stringify(
        createEnvelope({
          type,
          version,
          source: "pricing",
          ...mugAggregate,
          sequence: 4,
          payload,
        }),
      ),
    );
  const newest = { sku: "mug", prices: [{ amountCents: 1250, currency: "USD" }] };

  it("creates only the newest version", () => {
    const event = versioned.create("PriceSet", {
      ...mugAggregate,
      payload: newest,
    });
    expect(event).toMatchObject({ version: 3, payload: newest });
    expect(() =>
      versioned.create("PriceSet", {
        ...mugAggregate,
        // @ts-expect-error an older shape is not accepted by create
        payload: { sku: "mug", priceCents: 1250 },
      }),
    ).toThrow();
  });

  it("passes the newest version through as is", () => {
    const body = sent("PriceSet", 3, newest);
    expect(versioned.parse(body)).toEqual({ ok: true, event: body });
  });

  it("upcasts an older version step by step to the newest shape, keeping the envelope", () => {
    const v1 = sent("PriceSet", 1, { sku: "mug", priceCents: 1250 });
    const v2 = sent("PriceSet", 2, { sku: "mug", price: { amountCents: 1250, currency: "USD" } });
    for (const body of [v1, v2]) {
      expect(versioned.parse(body)).toEqual({
        ok: true,
        event: { ...body, version: 3, payload: newest },
      });
    }
  });

  it("validates an older version against its own schema before upcasting it", () => {
    const result = versioned.parse(sent("PriceSet", 1, { sku: "mug", priceCents: "12.50" }));
    expect(result).toMatchObject({ ok: false, eventType: "PriceSet" });
    expect(!result.ok && result.reason).toMatch(/^invalid PriceSet v1 payload: priceCents/);
    // A v2 shape labelled v1 is refused too: the label decides which schema applies.
    expect(
      versioned.parse(
        sent("PriceSet", 1, { sku: "mug", price: { amountCents: 1, currency: "USD" } }),
      ),
    ).toMatchObject({ ok: false, reason: expect.stringMatching(/invalid PriceSet v1 payload/) });
  });

  it("refuses unknown and newer versions with a reason", () => {
    const body = sent("PriceSet", 4, newest);
    expect(versioned.parse(body)).toEqual({
      ok: false,
      eventId: body.id,
      eventType: "PriceSet",
      reason: "unsupported version 4 of PriceSet (known: 1, 2, 3)",
    });
    expect(versioned.parse(sent("Broken", 7, {}))).toMatchObject({
      ok: false,
      reason: "unsupported version 7 of Broken (known: 1, 2)",
    });
    // Events without upcasters accept exactly their one version.
    expect(catalog.parse({ ...increment("c"), version: 2 })).toMatchObject({
      ok: false,
      reason: "unsupported version 2 of TallyIncremented (known: 1)",
    });
  });

  it("refuses an upcast whose result fails the newest schema, or that throws", () => {
    expect(versioned.parse(sent("Broken", 1, { sku: "mug", priceCents: 5 }))).toMatchObject({
      ok: false,
      eventType: "Broken",
      reason: expect.stringMatching(
        /^invalid Broken payload \(upcast from v1 to v2\): price\.currency/,
      ),
    });
    expect(versioned.parse(sent("Throws", 1, { sku: "mug", priceCents: 5 }))).toMatchObject({
      ok: false,
      reason: "upcasting Throws v1 to v2 threw: no rate for this sku",
    });
  });

  it("refuses a chain with a gap or an upcaster at or past the newest version", () => {
    const event = (version: number, upcasters: Record<number, unknown>) => ({
      type: "Gappy",
      version,
      producer: "p",
      subscribers: [],
      payload: V3,
      upcasters: upcasters as never,
    });
    const step = { payload: V1, up: (v: unknown) => v };
    expect(() => defineEvent(event(3, { 1: step }))).toThrow(/without gaps, got 1/);
    expect(() => defineEvent(event(2, { 1: step, 2: step }))).toThrow(/without gaps/);
    expect(() => defineCatalog([event(2, { 0: step, 1: step })])).toThrow(/without gaps/);
    // Dropping the oldest versions is fine: v2 -> v3 only, v1 is then unknown.
    const trimmed = defineCatalog([event(3, { 2: step })]);
    expect(trimmed.parse(sent("Gappy", 1, newest))).toMatchObject({
      ok: false,
      reason: "unsupported version 1 of Gappy (known: 2, 3)",
    });
  });

  it("types each step: up reads its version and must return the next one's shape", () => {
    defineEvent({
      type: "Typed",
      version: 2,
      producer: "p",
      subscribers: [],
      payload: V2,
      // @ts-expect-error up must return the v2 shape: amountCents a number, and a currency
      upcasters: {
        1: {
          payload: V1,
          up: (v1) => ({ sku: v1.sku, price: { amountCents: `${v1.priceCents}` } }),
        },
      },
    });
    const handle = (event: EventOf<typeof versioned, "PriceSet">) => event.payload.prices[0];
    expect(handle(sent("PriceSet", 3, newest))).toEqual(newest.prices[0]);
  });
});
