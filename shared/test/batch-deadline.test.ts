import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { BatchDeadlineExceeded, withinBatchDeadline } from "../src/inbox/batch-deadline";
import { createLogger } from "../src/log/logger";

const batchOf = (ids: string[]) =>
  createMessageBatch(
    "tester-inbox",
    ids.map((id) => ({ id, timestamp: new Date(), attempts: 1, body: {} })),
  );

describe("batch deadline", () => {
  it("gives up a batch stuck on a call that never answers: the messages it did not settle are retried", async () => {
    const log = createLogger({ level: "error" });
    const error = vi.spyOn(log, "error");
    const batch = batchOf(["settled", "stuck"]);
    const ctx = createExecutionContext();
    const consume = async () => {
      batch.messages[0]?.ack();
      await new Promise(() => {}); // a D1 or RPC call that never answers
    };
    await expect(withinBatchDeadline(batch, consume, log, 50)).rejects.toBeInstanceOf(
      BatchDeadlineExceeded,
    );
    expect(error).toHaveBeenCalledWith("queue batch given up", {
      queue: "tester-inbox",
      messages: 2,
    });
    // The platform retries what a failed invocation left unsettled; the ack stands.
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["settled"]);
  });

  it("a batch that finishes in time answers as it would alone", async () => {
    const log = createLogger({ level: "error" });
    await expect(withinBatchDeadline(batchOf(["a"]), async () => 7, log, 1_000)).resolves.toBe(7);
    await expect(
      withinBatchDeadline(batchOf(["a"]), () => Promise.reject(new Error("handler")), log, 1_000),
    ).rejects.toThrow("handler");
  });
});
