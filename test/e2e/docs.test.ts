import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "./support/api";

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
});
afterAll(async () => {
  await browser?.close();
});

describe("GET /docs in a browser", () => {
  it("renders the reference from the gateway alone: every request stays on its origin", async () => {
    const page = await browser.newPage();
    const origin = new URL(api.baseUrl).origin;
    const elsewhere: string[] = [];
    const problems: string[] = [];
    // Offline, as far as the page can tell: anything for another origin fails.
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(origin) || url.startsWith("data:")) return route.continue();
      elsewhere.push(url);
      return route.abort();
    });
    page.on("pageerror", (error) => problems.push(error.message));

    const answer = await page.goto(`${api.baseUrl}/docs`);
    expect(answer?.status()).toBe(200);
    // The renderer (a static asset of the gateway) fetched /openapi.json and drew its operations.
    await page.getByText("Place an order").first().waitFor({ timeout: 30_000 });
    await page.getByText("Trace an order's saga").first().waitFor({ timeout: 30_000 });
    expect(elsewhere).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
