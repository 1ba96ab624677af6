import { describe, expect, it } from "vitest";
import { planCancellation } from "../src/domain/plan-cancellation";
import { planConfirmation } from "../src/domain/plan-confirmation";
import { planRejection } from "../src/domain/plan-rejection";
import { planReservation } from "../src/domain/plan-reservation";
import { rewardsAccount } from "../src/domain/rewards-account";
import type { HoldStatus } from "../src/domain/statuses";

const hold = (status: HoldStatus, points = 40) => ({ status, points });

describe("planReservation", () => {
  it("reserves the points of an order not seen before", () => {
    expect(planReservation(40, undefined)).toEqual({ action: "reserve", points: 40 });
  });
  it("skips an order redeeming nothing", () => {
    expect(planReservation(0, undefined)).toEqual({ action: "skip", why: "NOTHING_TO_REDEEM" });
  });
  it.each(["HELD", "FAILED", "RELEASED", "CANCELLED", "CAPTURED", "REFUNDED"] as const)(
    "skips an order that already has a %s hold row (tombstones included)",
    (status) => {
      expect(planReservation(40, hold(status))).toEqual({
        action: "skip",
        why: "ORDER_ALREADY_SEEN",
      });
    },
  );
});

describe("planConfirmation", () => {
  const event = { pointsRedeemed: 40, pointsEarned: 7 };
  it("captures the held points and awards the earned ones", () => {
    expect(planConfirmation(event, hold("HELD"), undefined)).toEqual({
      action: "confirm",
      capture: 40,
      award: 7,
    });
  });
  it("only awards when nothing was redeemed and nothing is held", () => {
    expect(planConfirmation({ pointsRedeemed: 0, pointsEarned: 3 }, undefined, undefined)).toEqual({
      action: "confirm",
      capture: 0,
      award: 3,
    });
  });
  it("skips a second confirmation", () => {
    expect(planConfirmation(event, hold("CAPTURED"), { status: "AWARDED" })).toEqual({
      action: "skip",
      why: "ALREADY_AWARDED",
    });
  });
  it.each([
    ["an award tombstone", hold("CANCELLED"), { status: "REVOKED" as const }],
    ["a cancelled hold", hold("CANCELLED"), undefined],
    ["a refunded hold", hold("REFUNDED"), undefined],
    ["a hold tombstone only", hold("CANCELLED", 0), { status: "REVOKED" as const }],
  ])("skips an order a cancel overtook (%s)", (_what, h, award) => {
    expect(planConfirmation(event, h, award)).toEqual({ action: "skip", why: "ORDER_CANCELLED" });
  });
  it.each([
    ["no hold", undefined],
    ["a failed hold", hold("FAILED")],
    ["a released hold", hold("RELEASED")],
    ["a hold of another amount", hold("HELD", 39)],
  ])("reports an anomaly for redeemed points with %s", (_what, h) => {
    expect(planConfirmation(event, h, undefined).action).toBe("anomaly");
  });
});

describe("planRejection", () => {
  it("releases a held reservation", () => {
    expect(planRejection(hold("HELD"))).toEqual({ action: "release", points: 40 });
  });
  it("leaves a tombstone when OrderPlaced has not arrived", () => {
    expect(planRejection(undefined)).toEqual({ action: "tombstone" });
  });
  it.each(["FAILED", "RELEASED", "CANCELLED"] as const)("does nothing for a %s hold", (status) => {
    expect(planRejection(hold(status))).toEqual({ action: "skip" });
  });
});

describe("planCancellation", () => {
  it("releases a pending order's hold and blocks a late award", () => {
    expect(planCancellation(hold("HELD"), undefined)).toEqual({
      hold: { action: "release", points: 40 },
      award: { action: "tombstone" },
    });
  });
  it("refunds and claws back a confirmed order", () => {
    expect(planCancellation(hold("CAPTURED"), { status: "AWARDED", points: 9 })).toEqual({
      hold: { action: "refund", points: 40 },
      award: { action: "clawback", points: 9 },
    });
  });
  it("only claws back when the order redeemed nothing", () => {
    expect(planCancellation(undefined, { status: "AWARDED", points: 9 })).toEqual({
      hold: { action: "tombstone" },
      award: { action: "clawback", points: 9 },
    });
  });
  it("leaves tombstones for everything not seen yet", () => {
    expect(planCancellation(undefined, undefined)).toEqual({
      hold: { action: "tombstone" },
      award: { action: "tombstone" },
    });
  });
  it("does nothing twice", () => {
    expect(planCancellation(hold("REFUNDED"), { status: "REVOKED", points: 9 })).toEqual({
      hold: { action: "none" },
      award: { action: "none" },
    });
    expect(planCancellation(hold("FAILED"), { status: "REVOKED", points: 0 })).toEqual({
      hold: { action: "none" },
      award: { action: "none" },
    });
  });
});

describe("rewardsAccount", () => {
  it("shows a customer without an account as all zeros", () => {
    expect(rewardsAccount("c1", undefined)).toEqual({
      customerId: "c1",
      balance: 0,
      reserved: 0,
      lifetimeEarned: 0,
    });
  });
  it("shows the stored numbers, a negative balance included", () => {
    expect(rewardsAccount("c1", { balance: -3, reserved: 0, lifetimeEarned: 12 })).toEqual({
      customerId: "c1",
      balance: -3,
      reserved: 0,
      lifetimeEarned: 12,
    });
  });
});
