import { describe, expect, it } from "vitest";
import {
  SEED_CUSTOMER,
  SEED_GRANT_REASON,
  SEED_POINTS,
  SEED_PRODUCTS,
  seed,
} from "../../scripts/lib/seed";
import { api } from "./support/api";
import { Scenario, uniqueId } from "./support/scenario";
import { waitForOrder, waitForQuiet } from "./support/wait";

describe("npm run dev's seed", () => {
  it("adds what is missing once, and never undoes a purchase or grants twice", async () => {
    const s = new Scenario("seed");
    const customerId = s.customer();
    const products = SEED_PRODUCTS.map((p) => ({ ...p, sku: uniqueId(`seed-${p.sku}`) }));
    const options = { products, customerId };

    const first = await seed(api, options);
    expect(first.created.map((p) => p.sku)).toEqual(products.map((p) => p.sku));
    expect(first.kept).toEqual([]);
    expect(first).toMatchObject({ granted: SEED_POINTS, balance: SEED_POINTS });
    for (const p of products) {
      s.stock.set(p.sku, p.stock);
      expect(await api.getProduct(p.sku)).toMatchObject({
        name: p.name,
        priceCents: p.priceCents,
        available: p.stock,
        reserved: 0,
        sold: 0,
      });
    }
    s.grants.set(customerId, SEED_POINTS);
    await s.settle();

    // A customer buys: the next `npm run dev` must not put the stock back to the seed's.
    const lamp = products[0]!;
    const placed = await s.placeOrder({
      customerId,
      items: [{ sku: lamp.sku, quantity: 2 }],
      pointsToRedeem: 100,
    });
    await waitForOrder(placed.id, "CONFIRMED");
    await waitForQuiet();
    const before = await Promise.all(products.map((p) => api.getProduct(p.sku)));
    const account = await api.getRewards(customerId);
    expect(before[0]).toMatchObject({ available: lamp.stock - 2, sold: 2 });

    const second = await seed(api, options);
    expect(second.created).toEqual([]);
    expect(second.kept).toEqual(products.map((p) => p.sku));
    expect(second.granted).toBe(0);
    expect(second.balance).toBe(account.balance);
    expect(await Promise.all(products.map((p) => api.getProduct(p.sku)))).toEqual(before);
    expect(await api.getRewards(customerId)).toEqual(account);
    await s.check();
  });

  it("gives the default demo data: every product and the customer's points, twice is harmless", async () => {
    await seed(api);
    const again = await seed(api);
    expect(again.created).toEqual([]);
    expect(again.granted).toBe(0);
    for (const p of SEED_PRODUCTS) {
      expect(await api.getProduct(p.sku)).toMatchObject({ name: p.name, priceCents: p.priceCents });
    }
    const ledger = await api.getLedger(SEED_CUSTOMER);
    expect(
      ledger?.filter((e) => e.kind === "GRANT" && e.reason === SEED_GRANT_REASON),
    ).toHaveLength(1);
  });
});
