import type { ErrorBody } from "@edge-saga/contracts";
import type { ApiClient } from "./api-client";

/** The services with an outbox: every event comes from one of them. */
export const PRODUCERS = ["order", "inventory", "rewards", "payment"] as const;

export interface ReplayOptions {
  /** The subscriber to send to, e.g. "view". */
  to: string;
  /** Replay events committed at or after this time. */
  since: Date;
  /** Empty the subscriber's projection first (only the view has one): a rebuild from scratch. */
  rebuild?: boolean;
  /** Give up waiting for the producers' replays after this long. Default 5 minutes. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

interface ReplayJob {
  to: string;
  sent: number;
  startedAt: number;
  finishedAt: number | null;
}

/**
 * Starts `POST /admin/{producer}/replay { to, since }` on every producer through the gateway
 * and waits until each has sent its retained events; returns what each sent. A producer that
 * does not publish to `to` is skipped.
 */
export async function replay(gateway: ApiClient, options: ReplayOptions) {
  const log = options.log ?? (() => {});
  if (options.rebuild) {
    if (options.to !== "view") throw new Error(`only the view can be rebuilt, not ${options.to}`);
    const { cleared } = (
      await gateway.expect<{ cleared: Record<string, number> }>(
        200,
        "POST",
        "/admin/view/projection/rebuild",
        { admin: true },
      )
    ).body;
    log(`view: projection emptied (${JSON.stringify(cleared)})`);
  }
  const started: string[] = [];
  for (const producer of PRODUCERS) {
    const answer = await gateway.request<Partial<ErrorBody>>("POST", `/admin/${producer}/replay`, {
      admin: true,
      body: { to: options.to, since: options.since.toISOString() },
    });
    if (answer.status === 202) started.push(producer);
    else if (answer.body?.error?.code === "UNKNOWN_SUBSCRIBER")
      log(`${producer}: does not publish to ${options.to}, skipped`);
    else
      throw new Error(
        `${producer}: replay answered ${answer.status} ${JSON.stringify(answer.body)}`,
      );
  }
  const sent: Record<string, number> = {};
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  for (const producer of started) {
    for (;;) {
      const { replays } = (
        await gateway.expect<{ replays: Record<string, ReplayJob> }>(
          200,
          "GET",
          `/admin/${producer}/replay`,
          { admin: true },
        )
      ).body;
      const job = replays[options.to];
      if (job?.finishedAt) {
        sent[producer] = job.sent;
        log(`${producer}: sent ${job.sent} events to ${options.to}`);
        break;
      }
      if (Date.now() > deadline) throw new Error(`${producer}: replay still running`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return { sent };
}
