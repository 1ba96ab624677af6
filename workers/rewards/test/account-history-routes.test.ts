import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SNAPSHOT_EVERY } from "../src/domain/points-account";
import {
  accountRow,
  deliverRaw,
  earnedBy,
  grant,
  inbox,
  newOrder,
  orderCancelled,
  orderConfirmed,
  orderPlaced,
  orderRejected,
  readRewards,
  uniqueId,
} from "./helpers";

interface HistoryPage {
  customerId: string;
  entries: {
    seq: number;
    kind: string;
    points: number;
    reserved: number;
    orderId: string | null;
  }[];
  nextCursor: number | null;
}

async function history(customerId: string, query = ""): Promise<HistoryPage> {
  const res = await readRewards(customerId, `/history${query}`);
  expect(res.status).toBe(200);
  return res.json<HistoryPage>();
}

async function snapshotVersions(customerId: string): Promise<number[]> {
  const { results } = await env.DB.prepare(
    "SELECT version FROM account_snapshots WHERE customer_id = ? ORDER BY version",
  )
    .bind(customerId)
    .all<{ version: number }>();
  return results.map((r) => r.version);
}

describe("GET /customers/:id/rewards/history", () => {
  it("lists every entry the account is folded from, holds included, newest first", async () => {
    const customerId = uniqueId("hist");
    await grant(customerId, 500);
    const kept = newOrder(customerId, 100);
    const rejected = newOrder(customerId, 50);
    const cancelled = newOrder(customerId, 20);
    await inbox(orderPlaced(kept), orderPlaced(rejected), orderPlaced(cancelled));
    await inbox(orderConfirmed(kept), orderRejected(rejected), orderConfirmed(cancelled));
    await inbox(orderCancelled(cancelled, "CONFIRMED"));

    const { entries, nextCursor } = await history(customerId);
    expect(nextCursor).toBeNull();
    expect(entries.map((e) => e.seq)).toEqual(
      Array.from({ length: entries.length }, (_, i) => entries.length - i),
    );
    const byOrder = (orderId: string) =>
      entries
        .filter((e) => e.orderId === orderId)
        .map((e) => [e.kind, e.points, e.reserved])
        .sort();
    expect(byOrder(kept.orderId)).toEqual(
      [
        ["EARN", earnedBy(kept), 0],
        ["HOLD", 0, 100],
        ["REDEEM", -100, -100],
      ].sort(),
    );
    expect(byOrder(rejected.orderId)).toEqual([
      ["HOLD", 0, 50],
      ["RELEASE", 0, -50],
    ]);
    expect(byOrder(cancelled.orderId)).toEqual(
      [
        ["CLAWBACK", -earnedBy(cancelled), 0],
        ["EARN", earnedBy(cancelled), 0],
        ["HOLD", 0, 20],
        ["REDEEM", -20, -20],
        ["REFUND", 20, 0],
      ].sort(),
    );
    expect(entries.at(-1)).toMatchObject({ seq: 1, kind: "GRANT", points: 500, orderId: null });

    // The account is what the listed entries add up to.
    const account = await (await readRewards(customerId)).json();
    expect(account).toEqual({
      customerId,
      balance: entries.reduce((n, e) => n + e.points, 0),
      reserved: 0,
      lifetimeEarned: earnedBy(kept),
    });
  });

  it("pages with nextCursor until every entry was seen once", async () => {
    const customerId = uniqueId("hist-page");
    for (let i = 1; i <= 7; i++) await grant(customerId, i);
    const seen: number[] = [];
    let query = "?limit=3";
    for (;;) {
      const page = await history(customerId, query);
      expect(page.entries.length).toBeLessThanOrEqual(3);
      seen.push(...page.entries.map((e) => e.points));
      if (page.nextCursor === null) break;
      query = `?limit=3&cursor=${page.nextCursor}`;
    }
    expect(seen).toEqual([7, 6, 5, 4, 3, 2, 1]);
    expect(await history("never-had-points")).toEqual({
      customerId: "never-had-points",
      entries: [],
      nextCursor: null,
    });
  });

  it("refuses a bad query (400 VALIDATION_FAILED)", async () => {
    for (const query of ["limit=0", "limit=abc", "limit=1000", "cursor=0", "cursor=x", "after=1"]) {
      const res = await readRewards("c1", `/history?${query}`);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        "VALIDATION_FAILED",
      );
    }
  });
});

describe("account snapshots", () => {
  it(`stores one every ${SNAPSHOT_EVERY} entries; a read folds only the tail and equals the full fold`, async () => {
    const customerId = uniqueId("snap");
    const total = 2 * SNAPSHOT_EVERY + 7;
    for (let i = 0; i < total; i++) await grant(customerId, 1);
    expect(await snapshotVersions(customerId)).toEqual([SNAPSHOT_EVERY, 2 * SNAPSHOT_EVERY]);
    // accountRow checks snapshot + tail against a fold of the whole ledger.
    expect(await accountRow(customerId)).toEqual({
      balance: total,
      reserved: 0,
      lifetime_earned: 0,
    });

    // The read really starts from the snapshot: a doctored snapshot shows through.
    await env.DB.prepare(
      "UPDATE account_snapshots SET state = json_set(state, '$.balance', 1000) WHERE customer_id = ? AND version = ?",
    )
      .bind(customerId, 2 * SNAPSHOT_EVERY)
      .run();
    const res = await readRewards(customerId);
    expect(((await res.json()) as { balance: number }).balance).toBe(1000 + 7);
    // Snapshots are derived data: without them the read folds the whole ledger to the same account.
    await env.DB.prepare("DELETE FROM account_snapshots WHERE customer_id = ?")
      .bind(customerId)
      .run();
    expect(await accountRow(customerId)).toEqual({
      balance: total,
      reserved: 0,
      lifetime_earned: 0,
    });
  }, 60_000);

  it("a hold decided on a stale account loses: the same points are never held twice", async () => {
    const customerId = uniqueId("stale");
    await grant(customerId, 60);
    const orders = Array.from({ length: 6 }, () => newOrder(customerId, 20));
    // One batch: the consumer applies different sagas concurrently, all reading version 1. The
    // losers are decided again (3 rounds) and, if they keep losing, left for a retry: deliver
    // again until every one is settled; duplicates are absorbed by the inbox.
    const placed = orders.map(orderPlaced);
    let first = await deliverRaw(...placed);
    for (let round = 0; first.retryMessages.length > 0 && round < 5; round++)
      first = await deliverRaw(...placed);
    expect(first.retryMessages).toEqual([]);
    const { entries } = await history(customerId);
    expect(entries.filter((e) => e.kind === "HOLD")).toHaveLength(3);
    expect(await accountRow(customerId)).toEqual({
      balance: 60,
      reserved: 60,
      lifetime_earned: 0,
    });
  });
});
