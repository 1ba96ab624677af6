import { type Catalog, catalog } from "@edge-saga/contracts";
import { defineService, type ServiceHandlers } from "@edge-saga/shared";
import { describe, expect, it } from "vitest";
import { handlers } from "../src/handlers";

type RewardsHandlers = ServiceHandlers<Catalog, "rewards", Env>;
const db = () => ({}) as never;

/** tsc runs over this file (`npm run typecheck`): each @ts-expect-error is a compile-time check. */
describe("rewards' handler map", () => {
  it("is exactly one handler per event type the catalog routes to rewards", () => {
    const { OrderCancelled: _, ...withoutOne } = handlers;
    // @ts-expect-error: OrderCancelled is routed to rewards and has no handler
    const missing: RewardsHandlers = withoutOne;
    // @ts-expect-error: rewards produces PointsReserved, it does not subscribe to it
    const extra: RewardsHandlers = { ...handlers, PointsReserved: handlers.OrderPlaced };
    expect([missing, extra]).toHaveLength(2);
    // @ts-expect-error: defineService refuses it as well, and at load for JS callers
    expect(() => defineService({ name: "rewards", catalog, db, handlers: withoutOne })).toThrow(
      /missing: OrderCancelled/,
    );
  });
});
