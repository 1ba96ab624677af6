import { statSync } from "node:fs";
import type { ErrorBody } from "@edge-saga/contracts";
import { describe, expect, it } from "vitest";
import { api } from "./support/api";
import {
  BROWSER_TEST_MS,
  enterToken,
  OUT,
  openDashboard,
  orderRow,
  type RecentOrder,
  signIn,
  useBrowser,
  WAIT_MS,
  waitForCells,
  waitForCount,
} from "./support/dashboard-page";
import { Scenario, uniqueId } from "./support/scenario";

useBrowser();

describe("dashboard at /", { timeout: BROWSER_TEST_MS }, () => {
  it("places an order through the form and shows its saga reach CONFIRMED", async () => {
    const s = new Scenario("dash");
    const customer = s.customer();
    // Names unique too: the form offers products by name, and the stack may be a long-lived one.
    const lampName = uniqueId("Dashboard lamp");
    const lamp = await s.product({ name: lampName, priceCents: 4500, stock: 5 });
    await s.grant(customer, 1000);
    await s.settle();

    const { page, problems } = await openDashboard({ width: 1280, height: 900 });
    // Without the token the admin counters say so instead of showing numbers.
    await page.getByText("token needed").first().waitFor();
    expect(await page.getByText("token needed").count()).toBeGreaterThan(0);
    await enterToken(page);
    await page.getByText("Backlog", { exact: true }).first().waitFor();

    // The stock list shows the product; the form offers it.
    const stockRow = page.getByRole("row").filter({ hasText: lamp });
    await stockRow.waitFor({ timeout: WAIT_MS });
    await waitForCells(stockRow, /^Dashboard lamp.* \| \$45\.00 \| 5 \| 0 \| 0$/);

    await signIn(page, customer);
    await page
      .getByLabel("Product", { exact: true })
      .selectOption({ label: `${lampName} ($45.00)` });
    await page.getByLabel("Quantity").fill("2");
    await page.getByLabel("Points to redeem").fill("100");
    await page.getByRole("button", { name: "Place order" }).click();
    await page.getByText(`Order for ${customer} placed ($90.00)`).waitFor({ timeout: WAIT_MS });

    const row = orderRow(page, customer);
    await row.getByText("CONFIRMED", { exact: true }).waitFor({ timeout: WAIT_MS });
    const timeline = row.getByRole("list", { name: /saga timeline/i });
    await timeline
      .getByText(/confirmed/i)
      .first()
      .waitFor({ timeout: WAIT_MS });
    expect(await row.textContent()).toContain("$90.00");
    // Every service has its lane on the timeline.
    for (const lane of ["order", "inventory", "rewards"]) {
      expect(await timeline.textContent()).toMatch(new RegExp(lane, "i"));
    }

    // Stock follows the saga: 2 sold, none held.
    await waitForCells(stockRow, /\| \$45\.00 \| 3 \| 0 \| 2$/);
    await waitForCount(page.getByText("token needed"), 0);

    await page.screenshot({ path: `${OUT}dashboard.png`, fullPage: true });
    expect(statSync(`${OUT}dashboard.png`).size).toBeGreaterThan(10_000);
    expect(problems).toEqual([]);
    await page.context().close();
    await s.check();
  });

  it("works at a 390 px phone width", async () => {
    const s = new Scenario("dash-phone");
    const customer = s.customer();
    const bulbName = uniqueId("Phone bulb");
    const sku = await s.product({ name: bulbName, priceCents: 350, stock: 3 });
    await s.settle();

    const { page, problems } = await openDashboard({ width: 390, height: 844 }, true);
    await enterToken(page);
    await signIn(page, customer);
    await page
      .getByLabel("Product", { exact: true })
      .selectOption({ label: `${bulbName} ($3.50)` });
    await page.getByRole("button", { name: "Place order" }).click();
    const row = orderRow(page, customer);
    await row.getByText("CONFIRMED", { exact: true }).waitFor({ timeout: WAIT_MS });
    await row
      .getByRole("list", { name: /saga timeline/i })
      .getByText(/confirmed/i)
      .first()
      .waitFor({ timeout: WAIT_MS });
    await page.getByRole("row").filter({ hasText: sku }).waitFor();

    await page.screenshot({ path: `${OUT}dashboard-phone.png`, fullPage: true });
    expect(statSync(`${OUT}dashboard-phone.png`).size).toBeGreaterThan(10_000);
    // Nothing sticks out sideways: the page fits the phone's width.
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    for (const name of ["Place order", "Save", "Sign in"]) {
      const box = await page.getByRole("button", { name }).boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= 390, name).toBe(true);
    }

    expect(problems).toEqual([]);
    await page.context().close();
    await s.check();
  });
});

describe("dashboard: a customer signed in, no admin token", { timeout: BROWSER_TEST_MS }, () => {
  it("places as her and shows her orders only, none once she signs out", async () => {
    const s = new Scenario("dash-signin");
    const [her, other] = [s.customer("her"), s.customer("other")];
    const mugName = uniqueId("Sign-in mug");
    const sku = await s.product({ name: mugName, priceCents: 900, stock: 5 });
    await s.settle();
    const others = await s.placeOrder({ customerId: other, items: [{ sku, quantity: 1 }] });

    const { page, problems } = await openDashboard({ width: 1280, height: 900 });
    await page.getByText("Sign in as a customer to order.").waitFor();
    // Nobody signed in: the form says so instead of ordering for someone.
    await page.getByRole("button", { name: "Place order" }).click();
    await page.getByText("Sign in as a customer first").waitFor();

    await signIn(page, her);
    await page.getByLabel("Product", { exact: true }).selectOption({ label: `${mugName} ($9.00)` });
    await page.getByRole("button", { name: "Place order" }).click();
    await page.getByText(`Order for ${her} placed ($9.00)`).waitFor({ timeout: WAIT_MS });
    await orderRow(page, her).getByText("CONFIRMED", { exact: true }).waitFor({ timeout: WAIT_MS });
    await page.getByText(`Showing ${her}'s orders.`).waitFor();
    expect(await orderRow(page, other).count()).toBe(0);
    expect(await page.getByText(others.id.slice(-6)).count()).toBe(0);
    const mine = await api.listOrders(her);
    expect(mine.map((o) => o.customerId)).toEqual([her]);

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByText("Sign in as a customer to order.").waitFor();
    await waitForCount(orderRow(page, her), 0);
    expect(problems).toEqual([]);
    await page.context().close();
    await s.check();
  });
});

describe("GET /admin/order/orders/recent", () => {
  it("lists every customer's orders newest first, admin only", async () => {
    const s = new Scenario("recent");
    const [a, b] = [s.customer("a"), s.customer("b")];
    const sku = await s.product({ priceCents: 100, stock: 10 });
    await s.settle();
    const first = await s.placeOrder({ customerId: a, items: [{ sku, quantity: 1 }] });
    const second = await s.placeOrder({ customerId: b, items: [{ sku, quantity: 2 }] });

    const answer = await api.expect<{ orders: RecentOrder[] }>(
      200,
      "GET",
      "/admin/order/orders/recent?limit=2",
      { admin: true },
    );
    expect(answer.body.orders).toEqual([
      expect.objectContaining({ id: second.id, customerId: b, totalCents: 200 }),
      expect.objectContaining({ id: first.id, customerId: a, totalCents: 100 }),
    ]);
    expect(Date.parse(answer.body.orders[0]!.createdAt)).not.toBeNaN();

    expect((await api.request("GET", "/admin/order/orders/recent")).status).toBe(401);
    for (const query of ["limit=0", "limit=101", "limit=x", "other=1"]) {
      const bad = await api.request<ErrorBody>("GET", `/admin/order/orders/recent?${query}`, {
        admin: true,
      });
      expect(bad.status, query).toBe(400);
      expect(bad.body.error.code, query).toBe("VALIDATION_FAILED");
    }
    await s.check();
  });
});
