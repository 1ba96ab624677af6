import { describe, expect, it } from "vitest";
import { EnvelopeSchema } from "../src/envelope";
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
    expect(catalog.subscribersOf("Unrouted")).toEqual([]);
    expect(catalog.consumedBy("tester")).toEqual([
      "TallyIncremented",
      "TallyDecremented",
      "PoisonPill",
    ]);
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
