import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SAGA_DEAD_LETTERS_SQL } from "../src/admin/outbox-queries";

describe("the trace's dead-letter lookup (query plan)", () => {
  it("searches dead_letters by event id on its index, never scans the table", async () => {
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${SAGA_DEAD_LETTERS_SQL}`)
      .bind("saga-plan", JSON.stringify(["e1", "e2"]))
      .all<{ detail: string }>();
    const plan = results.map((step) => step.detail).join("\n");
    expect(plan).toMatch(/SEARCH dead_letters USING INDEX dead_letters_event_idx/);
    expect(plan).not.toMatch(/SCAN dead_letters\b/);
    // The saga's own applied events are found by correlation on the inbox's index.
    expect(plan).toMatch(/SEARCH inbox USING (COVERING )?INDEX inbox_correlation_idx/);
  });
});
