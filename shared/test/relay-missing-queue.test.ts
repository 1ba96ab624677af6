import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { count, increment, relay, seedOutbox, tallyEvent, tallyValue } from "./helpers";

const pending = () => count("SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL");
const awaiting = async (id: string) =>
  (
    await env.DB.prepare("SELECT awaiting FROM outbox WHERE event_id = ?")
      .bind(id)
      .first<{ awaiting: string | null }>()
  )?.awaiting;
const stats = async () =>
  (await (await exports.default.fetch("http://kit/stats")).json()) as {
    outbox: { unrouted: Record<string, number> };
    relay: { unrouted?: Record<string, number>; consecutiveFailures: number };
  };
const wait = { timeout: 10_000, interval: 20 };

describe("a subscriber whose queue binding is missing", () => {
  afterEach(async () => {
    await relay().unbindQueue(null);
    await relay().setReceiptTimeout(600_000);
  });

  it("stops only that subscriber's sends, counted; the rest publish; bound again, it gets them", async () => {
    const stub = relay();
    await stub.unbindQueue("audit");
    await stub.setReceiptTimeout(200);
    const unroutedBefore = (await stats()).outbox.unrouted.audit ?? 0;
    const sendsBefore = (await stub.sendLog()).length;
    // To tester and audit; and one to tester alone.
    const mirrored = tallyEvent("TallyMirrored", "unbound", 3);
    const plain = increment("unbound-plain", 2);
    await seedOutbox([mirrored, plain]);

    await stub.poke();

    // Nothing stuck: both published, the relay did not fail, tester applied both.
    await vi.waitFor(async () => expect(await pending()).toBe(0), wait);
    await vi.waitFor(async () => expect(await tallyValue("unbound")).toBe(3), wait);
    expect(await tallyValue("unbound-plain")).toBe(2);
    expect((await stub.status()).consecutiveFailures).toBe(0);
    // Sent once each (to tester); the event still awaits audit, whose send was counted.
    expect((await stub.sendLog()).slice(sendsBefore).flatMap((s) => s.ids)).toEqual([
      mirrored.id,
      plain.id,
    ]);
    await vi.waitFor(async () => expect(await awaiting(mirrored.id)).toBe('["audit"]'), wait);
    expect((await stats()).outbox.unrouted.audit).toBeGreaterThan(unroutedBefore);

    // The binding is back (a deploy): the re-send rule delivers what audit still owes.
    await stub.unbindQueue(null);
    const sendsBound = (await stub.sendLog()).length;
    await env.DB.prepare("UPDATE outbox SET next_resend_at = 0 WHERE event_id = ?")
      .bind(mirrored.id)
      .run();
    await stub.poke({ maintenance: true });
    await vi.waitFor(
      async () =>
        expect((await stub.sendLog()).slice(sendsBound).flatMap((s) => s.ids)).toContain(
          mirrored.id,
        ),
      wait,
    );
    await env.DB.prepare("DELETE FROM outbox").run();
  });
});
