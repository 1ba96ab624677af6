import { catalog } from "@edge-saga/contracts";
import { describe, expect, it } from "vitest";
import type { ApiClient } from "../lib/api-client";
import { PRODUCERS, replay } from "../lib/replay";

describe("replay", () => {
  it("asks every producer of the catalog, payment included", () => {
    const producers = new Set(catalog.definitions.map((d) => d.producer));
    expect([...PRODUCERS].sort()).toEqual([...producers].sort());
    expect(PRODUCERS).toContain("payment");
  });

  it("starts a replay on every producer that publishes to the subscriber and waits for each", async () => {
    const started: string[] = [];
    const gateway = {
      async request(method: string, path: string, options: { body?: { to: string } }) {
        const producer = /^\/admin\/([^/]+)\/replay$/.exec(path)?.[1] as string;
        expect(method).toBe("POST");
        const publishes = catalog.definitions.some(
          (d) => d.producer === producer && (d.subscribers as readonly string[]).includes("view"),
        );
        if (!publishes)
          return { status: 422, body: { error: { code: "UNKNOWN_SUBSCRIBER" } } } as never;
        started.push(producer);
        expect(options.body?.to).toBe("view");
        return { status: 202, body: {} } as never;
      },
      async expect(_ok: number, _method: string, path: string) {
        const producer = /^\/admin\/([^/]+)\/replay$/.exec(path)?.[1] as string;
        return {
          body: {
            replays: {
              view: { to: "view", sent: producer.length, startedAt: 1, finishedAt: 2 },
            },
          },
        } as never;
      },
    } as unknown as ApiClient;
    const { sent } = await replay(gateway, { to: "view", since: new Date(0) });
    expect(started).toContain("payment");
    expect(sent.payment).toBe("payment".length);
    expect(Object.keys(sent).sort()).toEqual([...started].sort());
  });
});
