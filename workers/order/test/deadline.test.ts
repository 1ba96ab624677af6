import { describe, expect, it } from "vitest";
import {
  DEFAULT_SAGA_DEADLINE_SECONDS,
  decideTimeout,
  nextDeadlineCheck,
  parseSagaDeadline,
} from "../src/domain/deadline";
import { initialState } from "../src/domain/saga";

describe("the saga deadline rule (unit)", () => {
  it("reads SAGA_DEADLINE_SECONDS: unset or blank means the default, anything not a positive number is refused", () => {
    expect(parseSagaDeadline(undefined)).toBe(DEFAULT_SAGA_DEADLINE_SECONDS * 1000);
    expect(parseSagaDeadline("  ")).toBe(DEFAULT_SAGA_DEADLINE_SECONDS * 1000);
    expect(parseSagaDeadline("90")).toBe(90_000);
    expect(parseSagaDeadline("1e1")).toBe(10_000);
    for (const bad of ["0", "-5", "Infinity", "NaN", "1m"])
      expect(parseSagaDeadline(bad)).toBeNull();
  });

  it("the check the relay schedules is exactly when the oldest pending order falls due, not a millisecond early", () => {
    const deadline = 60_000;
    const placed = 1_000_000;
    const pending = initialState(5000, 0);
    const at = nextDeadlineCheck(placed, placed + 10, deadline);
    expect(decideTimeout(pending, placed, at - 1, deadline).kind).toBe("ignore");
    expect(decideTimeout(pending, placed, at, deadline)).toMatchObject({
      kind: "change",
      state: { status: "REJECTED", rejectionReason: "TIMED_OUT" },
      event: { type: "OrderRejected", reason: "TIMED_OUT" },
    });
    // With nothing pending, an order placed from now on is due a deadline later at the soonest.
    expect(nextDeadlineCheck(null, placed, deadline)).toBe(placed + deadline);
  });
});
