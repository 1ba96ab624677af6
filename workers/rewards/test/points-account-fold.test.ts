import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseState, resume } from "../src/db/account-store";
import {
  type AccountEvent,
  append,
  foldAll,
  initialState,
  type VersionedAccount,
} from "../src/domain/points-account";

const amount = fc.integer({ min: 1, max: 10_000 });

/** Any entry the ledger's CHECK constraints admit (ledger_changes_by_kind). */
const event: fc.Arbitrary<AccountEvent> = fc.oneof(
  amount.map((p) => ({ kind: "GRANT" as const, points: p, reserved: 0 })),
  amount.map((p) => ({ kind: "EARN" as const, points: p, reserved: 0 })),
  amount.map((p) => ({ kind: "REFUND" as const, points: p, reserved: 0 })),
  amount.map((p) => ({ kind: "CLAWBACK" as const, points: -p, reserved: 0 })),
  amount.map((p) => ({ kind: "HOLD" as const, points: 0, reserved: p })),
  amount.map((p) => ({ kind: "RELEASE" as const, points: 0, reserved: -p })),
  amount.map((p) => ({ kind: "REDEEM" as const, points: -p, reserved: -p })),
);
const events = fc.array(event, { maxLength: 300 });
const every = fc.integer({ min: 1, max: 60 });

/** The account written the way the service writes it: a few entries per batch, snapshots on the way. */
function writeInBatches(all: AccountEvent[], sizes: number[], snapshotEvery: number) {
  let at: VersionedAccount = { version: 0, state: initialState };
  const snapshots: VersionedAccount[] = [];
  let i = 0;
  for (const size of sizes) {
    if (i >= all.length) break;
    const next = append(at, all.slice(i, i + size), snapshotEvery);
    // Stored as JSON and read back, as account_snapshots does.
    snapshots.push(
      ...next.snapshots.map((s) => ({
        version: s.version,
        state: parseState(JSON.stringify(s.state)),
      })),
    );
    at = { version: next.version, state: next.state };
    i += size;
  }
  const rest = append(at, all.slice(i), snapshotEvery);
  snapshots.push(...rest.snapshots);
  return { account: { version: rest.version, state: rest.state }, snapshots };
}

const batchSizes = fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 300 });

describe("points account: a pure fold over the ledger (property tests)", () => {
  it("state = fold(events): the sums of each entry's changes, whatever the sequence", () => {
    fc.assert(
      fc.property(events, (all) => {
        const sum = (f: (e: AccountEvent) => number) => all.reduce((n, e) => n + f(e), 0);
        expect(foldAll(all)).toEqual({
          balance: sum((e) => e.points),
          reserved: sum((e) => e.reserved),
          lifetimeEarned: sum((e) => (e.kind === "EARN" || e.kind === "CLAWBACK" ? e.points : 0)),
        });
      }),
      { numRuns: 300 },
    );
  });

  it("appending batch by batch reaches fold(events) at version = number of events", () => {
    fc.assert(
      fc.property(events, batchSizes, every, (all, sizes, n) => {
        const { account } = writeInBatches(all, sizes, n);
        expect(account).toEqual({ version: all.length, state: foldAll(all) });
      }),
      { numRuns: 300 },
    );
  });

  it("a snapshot is taken at every multiple of N, each equal to the fold of its prefix", () => {
    fc.assert(
      fc.property(events, batchSizes, every, (all, sizes, n) => {
        const { snapshots } = writeInBatches(all, sizes, n);
        expect(snapshots.map((s) => s.version)).toEqual(
          Array.from({ length: Math.floor(all.length / n) }, (_, i) => (i + 1) * n),
        );
        for (const s of snapshots) expect(s.state).toEqual(foldAll(all.slice(0, s.version)));
      }),
      { numRuns: 300 },
    );
  });

  it("snapshot + tail = full fold, from any snapshot the writer stored", () => {
    fc.assert(
      fc.property(events, batchSizes, every, (all, sizes, n) => {
        const { snapshots } = writeInBatches(all, sizes, n);
        for (const from of [{ version: 0, state: initialState }, ...snapshots]) {
          const tail = all.slice(from.version).map((e, i) => ({ ...e, seq: from.version + i + 1 }));
          expect(resume("c", from, tail)).toEqual({ version: all.length, state: foldAll(all) });
        }
      }),
      { numRuns: 200 },
    );
  });

  it("a read refuses a tail with a hole instead of folding past a missing entry", () => {
    fc.assert(
      fc.property(fc.array(event, { minLength: 2, maxLength: 50 }), fc.nat(), (all, k) => {
        // Any entry but the last: dropping the last leaves a shorter ledger, not a hole.
        const missing = k % (all.length - 1);
        const tail = all.map((e, i) => ({ ...e, seq: i + 1 })).filter((_, i) => i !== missing);
        expect(() => resume("c", { version: 0, state: initialState }, tail)).toThrow(/follows/);
      }),
    );
  });
});
