import { catalog } from "@edge-saga/contracts";
import { describe, expect, inject, it } from "vitest";
import { wranglerOrThrow } from "../../scripts/lib/wrangler";
import { api } from "./support/api";
import * as dashboard from "./support/dashboard-page";
import { Scenario, uniqueId } from "./support/scenario";

/*
 * On a stack of its own (project e2e-dead-letters): the dead letters are written into the
 * running stack's order database by a second process (`wrangler d1 execute`), and the stack
 * that test runs on is not fit for other tests afterwards (the shared stack's sagas stopped).
 */
dashboard.useBrowser();

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

describe("dashboard: dead letters in bulk (admin token)", {
  timeout: dashboard.BROWSER_TEST_MS,
}, () => {
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

      const { page, problems } = await dashboard.openDashboard({ width: 1280, height: 900 });
      await page.getByText("Enter the admin token to see and act on dead letters.").waitFor();
      await dashboard.enterToken(page);
      const card = page.locator("#dead");
      await dashboard.waitForCount(card.locator("#dead-rows tr").filter({ hasText: tag }), 3);

      await card.getByLabel("Service").selectOption("order");
      await card.getByLabel("Reason contains").fill(tag);
      await card.getByRole("button", { name: "Dry run" }).click();
      await card
        .getByText("3 match (dry run, nothing changed).")
        .waitFor({ timeout: dashboard.WAIT_MS });
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
      await card.getByText("Replayed 3 of 3.").waitFor({ timeout: dashboard.WAIT_MS });
      await dashboard.waitForCount(card.locator("#dead-rows tr").filter({ hasText: tag }), 0);
      const audit = card.locator("#audit-rows tr").filter({ hasText: tag });
      await audit.waitFor({ timeout: dashboard.WAIT_MS });
      // When | service | action | count | who (the token's fingerprint) | filter.
      await dashboard.waitForCells(
        audit,
        / \| order \| replay \| 3 \| [0-9a-f]{12} \| \{"reason":/,
      );
      expect(await audit.textContent()).not.toContain(api.adminToken);
      expect(problems).toEqual([]);
      await page.context().close();
    },
  );
});
