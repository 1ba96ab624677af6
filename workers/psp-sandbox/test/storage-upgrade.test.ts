import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Processor } from "../src/processor";

describe("a processor's storage from before intents recorded their customer", () => {
  it("gets the column on start and authorizes for a customer with her saved card", async () => {
    const stub = env.PROCESSOR.getByName("storage-before-customers");
    await runInDurableObject(stub, async (_, state) => {
      // The intents table as it was: no customer column.
      state.storage.sql.exec("ALTER TABLE intents DROP COLUMN customer");
      const restarted = new Processor(state, env);
      const answer = restarted.post({
        key: null,
        fingerprint: "f",
        op: {
          kind: "authorize",
          body: {
            amount: 100,
            currency: "usd",
            customer: "alice",
            capture_method: "manual",
            metadata: { order_id: "o-legacy" },
          },
        },
      });
      expect(answer.status).toBe(200);
      const intent = JSON.parse(answer.json);
      expect(intent).toMatchObject({
        customer: "alice",
        payment_method: expect.stringMatching(/^pm_/),
      });
      expect(restarted.intent(intent.id)).toMatchObject({ customer: "alice" });
    });
  });
});
