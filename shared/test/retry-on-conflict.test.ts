import { describe, expect, it } from "vitest";
import { retryOnConflict } from "../src/db/retry-on-conflict";
import { RETRY_POLICIES } from "../src/retry/retry-policies";

/** What D1 throws when a guard refuses a commit: the constraint is named in the message or a cause. */
const constraintError = (n: number) =>
  new Error(`D1_ERROR: attempt ${n}`, {
    cause: new Error("NOT NULL constraint failed: orders.status: SQLITE_CONSTRAINT"),
  });

/** An `attempt` that fails with `failures[n - 1]` on attempt n, and answers after that. */
function failingThen<T>(failures: unknown[], answer: T) {
  const seen: number[] = [];
  const attempt = async (n: number): Promise<T> => {
    seen.push(n);
    if (n <= failures.length) throw failures[n - 1];
    return answer;
  };
  return { attempt, seen };
}

describe("retryOnConflict", () => {
  it("runs the attempt again after a constraint error, passing the attempt number", async () => {
    const { attempt, seen } = failingThen([constraintError(1), constraintError(2)], "committed");
    await expect(retryOnConflict({ attempts: 3, attempt })).resolves.toBe("committed");
    expect(seen).toEqual([1, 2, 3]);
  });

  it("stops at the first answer", async () => {
    const { attempt, seen } = failingThen([], "committed");
    await expect(retryOnConflict({ attempts: 5, attempt })).resolves.toBe("committed");
    expect(seen).toEqual([1]);
  });

  it("gives up after `attempts` conflicts with the last one", async () => {
    const conflicts = [1, 2, 3, 4].map(constraintError);
    const { attempt, seen } = failingThen(conflicts, "never");
    await expect(retryOnConflict({ attempts: 3, attempt })).rejects.toBe(conflicts[2]);
    expect(seen).toEqual([1, 2, 3]);
  });

  it("gives up with the caller's answer, or the caller's error, handed the last conflict", async () => {
    const conflicts = [1, 2].map(constraintError);
    const handed: unknown[] = [];
    const answered = await retryOnConflict<string>({
      attempts: 2,
      attempt: failingThen(conflicts, "never").attempt,
      onExhausted: (last) => {
        handed.push(last);
        return "gave up";
      },
    });
    expect(answered).toBe("gave up");
    expect(handed).toEqual([conflicts[1]]);

    const refused = new Error("409 CONFLICT");
    await expect(
      retryOnConflict({
        attempts: 2,
        attempt: failingThen(conflicts, "never").attempt,
        onExhausted: () => {
          throw refused;
        },
      }),
    ).rejects.toBe(refused);
  });

  it("does not retry an error that is not a conflict, nor call onExhausted for it", async () => {
    const broken = new Error("D1_ERROR: no such table: orders");
    const { attempt, seen } = failingThen([broken], "never");
    let exhausted = false;
    await expect(
      retryOnConflict({
        attempts: 3,
        attempt,
        onExhausted: () => {
          exhausted = true;
          return "gave up";
        },
      }),
    ).rejects.toBe(broken);
    expect(seen).toEqual([1]);
    expect(exhausted).toBe(false);
  });

  it("takes the caller's idea of a conflict instead of any constraint error", async () => {
    class Slipped extends Error {}
    const isConflict = (error: unknown) => error instanceof Slipped;

    const retried = failingThen([new Slipped(), new Slipped()], "claimed");
    await expect(
      retryOnConflict({ attempts: 3, attempt: retried.attempt, isConflict }),
    ).resolves.toBe("claimed");
    expect(retried.seen).toEqual([1, 2, 3]);

    const constraint = constraintError(1);
    const notRetried = failingThen([constraint], "never");
    await expect(
      retryOnConflict({ attempts: 3, attempt: notRetried.attempt, isConflict }),
    ).rejects.toBe(constraint);
    expect(notRetried.seen).toEqual([1]);
  });

  it("refuses fewer than one attempt rather than never running", async () => {
    const { attempt, seen } = failingThen([], "committed");
    await expect(retryOnConflict({ attempts: 0, attempt })).rejects.toThrow(RangeError);
    expect(seen).toEqual([]);
  });
  it("follows the conflict policy unless told: 3 rounds, no wait; a policy's wait comes between rounds", async () => {
    const conflicts = [1, 2, 3, 4].map(constraintError);
    const plain = failingThen(conflicts, "never");
    await expect(retryOnConflict({ attempt: plain.attempt })).rejects.toBe(conflicts[2]);
    expect(plain.seen).toHaveLength(RETRY_POLICIES.conflict.maxAttempts);

    const paced = failingThen(conflicts.slice(0, 2), "committed");
    const started = Date.now();
    const policy = { initialIntervalMs: 20, factor: 2, maxIntervalMs: 1_000, maxAttempts: 3 };
    await expect(retryOnConflict({ policy, attempt: paced.attempt })).resolves.toBe("committed");
    // Waits of 20 ms then 40 ms between the three rounds.
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  });
});
