import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineCatalog, defineEvent } from "../src/catalog";
import { acksCarriedBy, answeredByReply, markReplies } from "../src/receipts/reply-acks";

const catalog = defineCatalog([
  defineEvent({
    type: "Asked",
    version: 1,
    producer: "asker",
    subscribers: ["answerer"],
    payload: z.object({}),
  }),
  defineEvent({
    type: "Answered",
    version: 1,
    producer: "answerer",
    subscribers: ["asker"],
    payload: z.object({}),
  }),
  defineEvent({
    type: "Noted",
    version: 1,
    producer: "answerer",
    subscribers: ["watcher"],
    payload: z.object({}),
  }),
]);
const emit = (type: "Answered" | "Noted", causationId: string) =>
  catalog.create(type, {
    aggregateType: "a",
    aggregateId: "a",
    correlationId: "saga",
    causationId,
    payload: {},
  });
const asked = { id: "e1", source: "asker" };

describe("a reply is a receipt", () => {
  it("the answer to an event, sent to its producer, carries the event's receipt and its shard", () => {
    const [answer, noted, other] = markReplies(catalog, asked, 3, [
      emit("Answered", "e1"),
      emit("Noted", "e1"),
      emit("Answered", "e2"),
    ]);
    expect(answer?.acks).toEqual({ id: "e1", shard: 3 });
    // The producer does not get Noted; an answer to another event says nothing of this one.
    expect(noted?.acks).toBeUndefined();
    expect(other?.acks).toBeUndefined();
    expect(markReplies(catalog, asked, undefined, [emit("Answered", "e1")])[0]?.acks).toEqual({
      id: "e1",
    });
  });

  it("an event whose answer carries its receipt owes none; any other does", () => {
    const marked = markReplies(catalog, asked, undefined, [emit("Answered", "e1")]);
    expect(answeredByReply(asked, marked)).toBe(true);
    expect(answeredByReply(asked, [emit("Answered", "e1")])).toBe(false);
    expect(answeredByReply({ id: "e2" }, marked)).toBe(false);
  });

  it("the producer reads one receipt per replier from the marks for its own shard", () => {
    const bodies = [
      { source: "answerer", acks: { id: "e1" } },
      { source: "answerer", acks: { id: "e1" } },
      { source: "answerer", acks: { id: "e2" } },
      { source: "other", acks: { id: "e3" } },
      { source: "answerer", acks: { id: "e4", shard: 2 } },
      { source: "answerer" },
      null,
    ];
    expect(acksCarriedBy(bodies, 0)).toEqual([
      { from: "answerer", handled: ["e1", "e2"] },
      { from: "other", handled: ["e3"] },
    ]);
    expect(acksCarriedBy(bodies, 2)).toEqual([{ from: "answerer", handled: ["e4"] }]);
  });
});
