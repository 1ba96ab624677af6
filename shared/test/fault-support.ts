import { env, exports } from "cloudflare:workers";
import { vi } from "vitest";
import type { FaultReport } from "../src/faults/faults";
import { count, relay } from "./helpers";

export const admin = (path: string, init?: RequestInit) =>
  exports.default.fetch(`http://kit${path}`, init);

export async function setPlan(
  probabilities: Record<string, number>,
  seed = 1,
  extra: Record<string, unknown> = {},
): Promise<FaultReport> {
  const res = await admin("/faults", {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ seed, probabilities, ...extra }),
  });
  if (res.status !== 200) throw new Error(`PUT /faults: ${res.status} ${await res.text()}`);
  return (await res.json()) as FaultReport;
}

export async function clearPlan(): Promise<void> {
  await relay().setFaultsEnabled(true);
  await admin("/faults", { method: "DELETE" });
}

export const injected = async (point: string) =>
  ((await relay().faults()).injected as Record<string, number>)[point] ?? 0;

export const pending = () => count("SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL");

export const deliveriesOf = async (eventId: string) =>
  (
    await env.DB.prepare("SELECT count AS n FROM deliveries WHERE event_id = ?")
      .bind(eventId)
      .first<{ n: number }>()
  )?.n ?? 0;

/** True when the relay's next run is not due within a minute (one for receipts may be far out). */
export const noRunSoon = (status: { nextAlarmAt: number | null }) =>
  status.nextAlarmAt === null || status.nextAlarmAt > Date.now() + 60_000;

/**
 * Waits until the relay has nothing to do soon and no failure streak: a clean start. (An alarm
 * minutes out, for events still awaiting a receipt, is not work now.) With no row pending, an
 * alarm due within the minute is an earlier file's (this runtime outlives files, and a run of
 * theirs still going when this file emptied the tables armed it again): it is dropped, as
 * apply-migrations.ts drops the one it finds.
 */
export async function relayIdle(): Promise<void> {
  await vi.waitFor(
    async () => {
      const status = await relay().status();
      const rows = await pending();
      if (rows === 0 && status.consecutiveFailures === 0 && !noRunSoon(status))
        await relay().dropAlarm();
      if (!noRunSoon(status) || status.consecutiveFailures > 0 || rows > 0)
        throw new Error(`relay busy: ${JSON.stringify(status)}`);
    },
    { timeout: 10_000, interval: 50 },
  );
}

export const wait = { timeout: 10_000, interval: 25 };
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
