import { it } from "vitest";
import { handlers } from "../src/handlers";
import { deliverRaw, grant, inbox, newOrder, orderCancelled, orderConfirmed, orderPlaced, uniqueId } from "./helpers";

it("race counts", async () => {
  const calls: Record<string, number> = {};
  for (const key of Object.keys(handlers)) {
    const original = handlers[key]!;
    handlers[key] = (e, ctx) => {
      calls[key] = (calls[key] ?? 0) + 1;
      return original(e, ctx);
    };
  }
  for (let round = 0; round < 5; round++) {
    const c = uniqueId("c");
    await grant(c, 100);
    const o = newOrder(c, 30);
    await inbox(orderPlaced(o));
    await Promise.all([deliverRaw(orderConfirmed(o)), deliverRaw(orderCancelled(o, "CONFIRMED"))]);
    const p = newOrder(c, 30);
    await Promise.all([deliverRaw(orderPlaced(p)), deliverRaw(orderCancelled(p, "PENDING"))]);
  }
  console.log("CALLS", JSON.stringify(calls));
});
