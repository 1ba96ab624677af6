import { describe, expect, it } from "vitest";
import {
  nextStep,
  type OrderOutcome,
  type ReservationStatus,
  reservationStatuses,
} from "../src/domain/reservation-lifecycle";
import { unitDeltas } from "../src/domain/stock-moves";

const states: (ReservationStatus | null)[] = [null, ...reservationStatuses];
const outcomes: OrderOutcome[] = ["confirmed", "rejected", "cancelled"];

/** Where the reservation ends after `outcome` from `from`. */
function after(from: ReservationStatus | null, outcome: OrderOutcome): ReservationStatus | null {
  const step = nextStep(from, outcome);
  if (step.kind === "ignore") return from;
  return step.kind === "tombstone" ? step.status : step.to;
}

describe("reservation lifecycle", () => {
  it("confirms only a RESERVED reservation, selling its units", () => {
    expect(nextStep("RESERVED", "confirmed")).toEqual({
      kind: "transition",
      from: "RESERVED",
      to: "SOLD",
      stock: "sell",
    });
    for (const s of states.filter((s) => s !== "RESERVED"))
      expect(nextStep(s, "confirmed"), String(s)).toEqual({ kind: "ignore" });
  });

  it("rejection releases held units, marks a failure released, and tombstones a missing order", () => {
    expect(nextStep("RESERVED", "rejected")).toMatchObject({ to: "RELEASED", stock: "release" });
    expect(nextStep("FAILED", "rejected")).toMatchObject({ to: "RELEASED", stock: null });
    expect(nextStep(null, "rejected")).toEqual({ kind: "tombstone", status: "RELEASED" });
    for (const s of ["SOLD", "RELEASED", "CANCELLED"] as const)
      expect(nextStep(s, "rejected"), s).toEqual({ kind: "ignore" });
  });

  it("cancel ends every state in CANCELLED, giving back held or sold units", () => {
    expect(nextStep("RESERVED", "cancelled")).toMatchObject({ stock: "release" });
    expect(nextStep("SOLD", "cancelled")).toMatchObject({ stock: "restock" });
    expect(nextStep("FAILED", "cancelled")).toMatchObject({ stock: null });
    expect(nextStep("RELEASED", "cancelled")).toMatchObject({ stock: null });
    expect(nextStep(null, "cancelled")).toEqual({ kind: "tombstone", status: "CANCELLED" });
    expect(nextStep("CANCELLED", "cancelled")).toEqual({ kind: "ignore" });
    for (const s of states) expect(after(s, "cancelled"), String(s)).toBe("CANCELLED");
  });

  it("moves the units the reservation actually holds", () => {
    const held: Record<ReservationStatus, "reserved" | "sold" | null> = {
      RESERVED: "reserved",
      SOLD: "sold",
      RELEASED: null,
      CANCELLED: null,
      FAILED: null,
    };
    for (const s of reservationStatuses) {
      for (const outcome of outcomes) {
        const step = nextStep(s, outcome);
        if (step.kind !== "transition") continue;
        const d = step.stock ? unitDeltas(step.stock, 1) : { available: 0, reserved: 0, sold: 0 };
        // Units leave the counter that held them for this order and land where `to` holds them.
        const from = held[step.from];
        const to = held[step.to];
        if (from) expect(d[from], `${s} ${outcome}`).toBe(-1);
        if (to) expect(d[to], `${s} ${outcome}`).toBe(1);
        if (!from && !to)
          expect(d, `${s} ${outcome}`).toEqual({ available: 0, reserved: 0, sold: 0 });
      }
    }
  });

  it("reaches the same end whatever order a cancel and the other outcomes arrive in", () => {
    // Saga runs that end cancelled: the cancel may come before, between or after the rest.
    const histories: OrderOutcome[][] = [
      ["confirmed", "cancelled"],
      ["cancelled", "confirmed"],
      ["rejected", "cancelled"],
      ["cancelled", "rejected"],
    ];
    for (const start of ["RESERVED", "FAILED", null] as const) {
      for (const history of histories) {
        const end = history.reduce<ReservationStatus | null>(after, start);
        expect(end, `${start} ${history.join(" ")}`).toBe("CANCELLED");
      }
    }
  });
});
