import { mkdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { catalog, type ErrorBody, type OrderStatus } from "@edge-saga/contracts";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { wranglerOrThrow } from "../../scripts/lib/wrangler";
import { api } from "./support/api";
import { Scenario, uniqueId } from "./support/scenario";

/** Screenshots go to the test output (gitignored), next to the other results. */
const OUT = fileURLToPath(new URL("../../test-results/", import.meta.url));
const WAIT_MS = 45_000;

interface RecentOrder {
  id: string;
  customerId: string;
  status: OrderStatus;
  totalCents: number;
  createdAt: string;
}

let browser: Browser;

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
});

afterAll(async () => {
  await browser?.close();
});

/** Opens the dashboard in a fresh tab (its own sessionStorage) and saves the admin token in it. */
async function openDashboard(viewport: { width: number; height: number }, mobile = false) {
  const context = await browser.newContext({ viewport, isMobile: mobile, hasTouch: mobile });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  const answer = await page.goto(`${api.baseUrl}/`);
  expect(answer?.status()).toBe(200);
  await page.getByRole("heading", { name: /edge-saga/ }).waitFor();
  return { page, problems };
}

async function enterToken(page: Page) {
  await page.getByLabel("Admin token").fill(api.adminToken);
  await page.getByRole("button", { name: "Save" }).click();
  await waitForCount(page.getByText("token needed"), 0);
}

/** Signs `customer` in at the local dev issuer through the page's sign-in. */
async function signIn(page: Page, customer: string) {
  await page.getByLabel("Customer id").fill(customer);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText(`Signed in as ${customer}`).waitFor({ timeout: WAIT_MS });
}

async function waitForCount(locator: Locator, count: number) {
  const deadline = Date.now() + WAIT_MS;
  while ((await locator.count()) !== count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} of ${locator}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until a table row's cells, read left to right, match `pattern`. */
async function waitForCells(row: Locator, pattern: RegExp) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const cells = (await row.getByRole("cell").allTextContents()).join(" | ");
    if (pattern.test(cells)) return;
    if (Date.now() > deadline)
      throw new Error(`${row} shows ${JSON.stringify(cells)}, not ${pattern}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The order's entry in the live list: found by what it shows, the customer's id. */
const orderRow = (page: Page, customer: string) =>
  page.getByRole("article").filter({ hasText: customer });

describe("dashboard at /", () => {
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

describe("dashboard: a customer signed in, no admin token", () => {
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

/**
 * Dead letters in the order service's database of the stack under test: nothing in the public
 * API makes one on purpose (a message must fail its consumer), so the test writes the rows the
 * dead-letter consumer would, with `wrangler d1 execute` on the stack's own state.
 */
function seedDeadLetters(bodies: unknown[], reason: string) {
  const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
  const at = Date.now();
  const rows = bodies.map((body, i) => {
    const id = `${uniqueId("dl")}-${i}`;
    const event = body as { id: string; type: string };
    return `(${[id, "order-inbox-dlq", id, event.id, event.type, reason, "3", JSON.stringify(body)]
      .map(quote)
      .join(", ")}, ${at + i})`;
  });
  wranglerOrThrow([
    ...["d1", "execute", "DB", "--local", "-c", "workers/order/wrangler.toml"],
    ...["--persist-to", inject("persistDir") as string],
    "--command",
    "INSERT INTO dead_letters (id, queue, message_id, event_id, event_type, reason, attempts, body, received_at) " +
      `VALUES ${rows.join(", ")}`,
  ]);
}

describe("dashboard: dead letters in bulk (admin token)", () => {
  it.skipIf(!inject("persistDir"))(
    "shows them, replays by filter after a dry run, and lists the action in the audit",
    async () => {
      const s = new Scenario("dash-dead");
      const name = uniqueId("Dead-letter lamp");
      const sku = await s.product({ name, priceCents: 700, stock: 1 });
      await s.settle();
      // Copies of the product's own upsert (same name and price): replaying them changes nothing.
      const upsert = () =>
        catalog.create("ProductUpserted", {
          aggregateType: "product",
          aggregateId: sku,
          correlationId: sku,
          causationId: sku,
          payload: { sku, name, price: { amountCents: 700, currency: "USD" } },
        });
      const tag = uniqueId("dash-dead");
      seedDeadLetters([upsert(), upsert(), upsert()], `${tag}: lost in a test`);

      const { page, problems } = await openDashboard({ width: 1280, height: 900 });
      await page.getByText("Enter the admin token to see and act on dead letters.").waitFor();
      await enterToken(page);
      const card = page.locator("#dead");
      await waitForCount(card.locator("#dead-rows tr").filter({ hasText: tag }), 3);

      await card.getByLabel("Service").selectOption("order");
      await card.getByLabel("Reason contains").fill(tag);
      await card.getByRole("button", { name: "Dry run" }).click();
      await card.getByText("3 match (dry run, nothing changed).").waitFor({ timeout: WAIT_MS });
      expect(await card.locator("#dead-confirm li").count()).toBe(3);
      // The dry run changed nothing.
      const open = await api.expect<{
        services: { order: { deadLetters: { reason: string; resolvedAt: number | null }[] } };
      }>(200, "GET", "/admin/dead-letters", { admin: true });
      expect(
        open.body.services.order.deadLetters.filter(
          (d) => d.reason.startsWith(tag) && d.resolvedAt === null,
        ),
      ).toHaveLength(3);

      await card.getByRole("button", { name: "Replay 3" }).click();
      await card.getByText("Replayed 3 of 3.").waitFor({ timeout: WAIT_MS });
      await waitForCount(card.locator("#dead-rows tr").filter({ hasText: tag }), 0);
      const audit = card.locator("#audit-rows tr").filter({ hasText: tag });
      await audit.waitFor({ timeout: WAIT_MS });
      // When | service | action | count | who (the token's fingerprint) | filter.
      await waitForCells(audit, / \| order \| replay \| 3 \| [0-9a-f]{12} \| \{"reason":/);
      expect(await audit.textContent()).not.toContain(api.adminToken);
      expect(problems).toEqual([]);
      await page.context().close();
    },
  );
});
