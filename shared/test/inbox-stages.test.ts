import { describe, expect, it } from "vitest";
import { consumerFaultStage } from "../src/inbox/consumer-faults";
import type { Decision, Delivery } from "../src/inbox/consumer-types";
import { deliveryDelaySeconds, verdictOnFailure } from "../src/inbox/dead-letter";
import { decodeMessage } from "../src/inbox/decode";
import { sortRound, statementsOf } from "../src/inbox/group-commit";
import { roundsByLane } from "../src/inbox/lanes";
import { increment } from "./helpers";
import { catalog } from "./worker/src/catalog";

// Unit tests of the consumer's pure stages, each alone (no queue, no database).

const decode = (body: unknown, consumes: (type: string) => boolean = () => true) =>
  decodeMessage(body, { catalog, service: "tester", consumes });

describe("decode stage", () => {
  it("a valid event, as an object or as JSON text, is delivered as the catalog's event", () => {
    const event = increment("decode", 2);
    expect(decode(event)).toEqual({ kind: "event", event });
    expect(decode(JSON.stringify(event))).toEqual({ kind: "event", event });
  });

  it("a body that is not JSON becomes a dead-letter decision with its reason", () => {
    const decoded = decode('{"id": "half a message');
    expect(decoded.kind).toBe("dead-letter");
    expect(decoded.kind === "dead-letter" && decoded.reason).toMatch(/^invalid envelope/);
  });

  it("an unknown type is dead-lettered naming the type, with the event's id kept", () => {
    const decoded = decode({ ...increment("decode", 1), type: "NoSuchEvent" });
    expect(decoded).toMatchObject({ kind: "dead-letter", event: { type: "NoSuchEvent" } });
    expect(decoded.kind === "dead-letter" && decoded.reason).toMatch(/NoSuchEvent/);
    expect(decoded.kind === "dead-letter" && decoded.event.id).toBeTypeOf("string");
  });

  it("a payload breaking its schema is dead-lettered, not thrown", () => {
    const event = { ...increment("decode", 1), payload: { tallyId: 42 } };
    const decoded = decode(event);
    expect(decoded).toMatchObject({ kind: "dead-letter", event: { id: event.id } });
  });

  it("a valid event this service has no handler for is dead-lettered saying so", () => {
    expect(decode(increment("decode", 1), () => false)).toMatchObject({
      kind: "dead-letter",
      reason: "tester does not consume TallyIncremented",
    });
  });

  it("a receipt is recognised as a receipt, not an event", () => {
    expect(decode({ receipt: { from: "view", handled: ["e1"] } })).toEqual({
      kind: "receipt",
      receipt: { from: "view", handled: ["e1"] },
    });
  });
});

describe("lanes stage", () => {
  it("round n holds the n-th message of every lane, in delivery order", () => {
    const rounds = roundsByLane(["a1", "b1", "a2", "c1", "a3", "b2"], (m) => m[0] as string);
    expect(rounds).toEqual([["a1", "b1", "c1"], ["a2", "b2"], ["a3"]]);
  });
});

describe("dead-letter stage", () => {
  it("a failing handler is sent back with the delivery backoff until its last attempt", () => {
    expect(verdictOnFailure(1, 6, new Error("down"))).toEqual({ action: "retry", delaySeconds: 2 });
    expect(verdictOnFailure(3, 6, new Error("down"))).toEqual({ action: "retry", delaySeconds: 8 });
    expect(verdictOnFailure(6, 6, new Error("down"))).toEqual({
      action: "dead-letter",
      reason: "handler failed 6 times: down",
    });
  });

  it("the delivery backoff doubles from 2 s and stops at 5 minutes", () => {
    expect([1, 2, 3, 8, 9, 50].map(deliveryDelaySeconds)).toEqual([2, 4, 8, 256, 300, 300]);
  });
});

describe("group commit stage", () => {
  const delivery = (id: string) => ({ message: {}, event: { id } }) as unknown as Delivery;
  const one: Decision = { statements: [] };

  it("one decision joins the group; a throw or alternatives are applied alone", () => {
    const [a, b, c] = [delivery("a"), delivery("b"), delivery("c")];
    const sorted = sortRound(
      [a, b, c],
      [
        { status: "fulfilled", value: one },
        { status: "rejected", reason: new Error("boom") },
        { status: "fulfilled", value: [one, one] },
      ],
    );
    expect(sorted.group.map((d) => d.event.id)).toEqual(["a"]);
    expect(sorted.alone).toEqual([{ delivery: b }, { delivery: c, alternatives: [one, one] }]);
  });

  it("counts a decision's statements: its writes, one per event and effect, and its inbox row", () => {
    const decision = {
      statements: [{}, {}],
      events: [increment("count", 1)],
      effects: [{}],
    } as unknown as Decision;
    expect(statementsOf({ decision })).toBe(5);
    expect(statementsOf({ decision: {} })).toBe(1);
  });
});

describe("fault stage", () => {
  it('adds nothing to a batch unless FAULTS_ENABLED is exactly "true" (no relay asked)', async () => {
    const relay = () => {
      throw new Error("the stage asked the relay although faults are off");
    };
    for (const FAULTS_ENABLED of [undefined, "false", "TRUE"])
      expect(await consumerFaultStage(relay)({ FAULTS_ENABLED })).toBeUndefined();
  });
});
