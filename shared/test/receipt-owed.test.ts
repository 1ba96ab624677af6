import { describe, expect, it } from "vitest";
import { receiptOwed } from "../src/receipts/receipts";

// billing produces Billed (to ledger) and Audited (to billing itself).
const catalog = {
  subscribersOf: (type: string) => ({ Billed: ["ledger"], Audited: ["billing"] })[type] ?? [],
};

describe("which handled events a consumer owes a receipt for", () => {
  it("another service's event: its producer awaits the receipt", () => {
    expect(receiptOwed(catalog, "ledger", { id: "e1", source: "billing", type: "Billed" })).toBe(
      true,
    );
  });

  it("its own event the catalog routes to it: its relay sent it and awaits the receipt", () => {
    expect(receiptOwed(catalog, "billing", { id: "e2", source: "billing", type: "Audited" })).toBe(
      true,
    );
  });

  it("its own event not routed to it (self-read): nobody awaits one, no message is sent", () => {
    expect(receiptOwed(catalog, "billing", { id: "e3", source: "billing", type: "Billed" })).toBe(
      false,
    );
  });
});
