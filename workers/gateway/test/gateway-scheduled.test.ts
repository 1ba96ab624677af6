import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../src/index";

describe("gateway scheduled()", () => {
  it("runs every service's maintenance (the cron's work), so /__scheduled in dev does it too", async () => {
    const calls: string[] = [];
    const recording = (service: string) => ({
      fetch: async (request: Request) => {
        calls.push(`${service} ${request.method} ${new URL(request.url).pathname}`);
        return Response.json({ relayPoked: true });
      },
    });
    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ cron: "* * * * *" }),
      {
        ...env,
        ORDER: recording("order"),
        INVENTORY: recording("inventory"),
        REWARDS: recording("rewards"),
      } as unknown as Env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(calls.sort()).toEqual([
      "inventory POST /admin/maintenance",
      "order POST /admin/maintenance",
      "rewards POST /admin/maintenance",
    ]);
  });
});
