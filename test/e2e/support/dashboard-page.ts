import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { OrderStatus } from "@edge-saga/contracts";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { api } from "./api";

/** Screenshots go to the test output (gitignored), next to the other results. */
export const OUT = fileURLToPath(new URL("../../../test-results/", import.meta.url));
export const WAIT_MS = 45_000;
/**
 * A browser test's whole time: a saga or two seen through the page, each wait up to WAIT_MS.
 * `npm test` runs it beside two other lanes on two cores, where one saga alone took 20 s.
 */
export const BROWSER_TEST_MS = 150_000;

export interface RecentOrder {
  id: string;
  customerId: string;
  status: OrderStatus;
  totalCents: number;
  createdAt: string;
}

let browser: Browser;

/** Debian's chromium for the file's tests, launched once before them and closed after. */
export function useBrowser(): void {
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
}

/** Opens the dashboard in a fresh tab (its own sessionStorage) and saves the admin token in it. */
export async function openDashboard(viewport: { width: number; height: number }, mobile = false) {
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

export async function enterToken(page: Page) {
  await page.getByLabel("Admin token").fill(api.adminToken);
  await page.getByRole("button", { name: "Save" }).click();
  await waitForCount(page.getByText("token needed"), 0);
}

/** Signs `customer` in at the local dev issuer through the page's sign-in. */
export async function signIn(page: Page, customer: string) {
  await page.getByLabel("Customer id").fill(customer);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText(`Signed in as ${customer}`).waitFor({ timeout: WAIT_MS });
}

export async function waitForCount(locator: Locator, count: number) {
  const deadline = Date.now() + WAIT_MS;
  while ((await locator.count()) !== count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} of ${locator}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until a table row's cells, read left to right, match `pattern`. */
export async function waitForCells(row: Locator, pattern: RegExp) {
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
export const orderRow = (page: Page, customer: string) =>
  page.getByRole("article").filter({ hasText: customer });
