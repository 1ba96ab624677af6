import type { PendingRow } from "./chunk-for-send";
import type { RelayConfig } from "./relay-config";
import { REPLAY_PAGE_ROWS, readReplayPage } from "./relay-queries";

/** A replay of retained outbox rows to one subscriber (see `OutboxRelay.replay`). */
export interface ReplayJob {
  /** The subscriber service whose queue gets the events. */
  to: string;
  /** Rows committed at or after this time (epoch ms) are replayed. */
  since: number;
  /** Rows up to this seq are done; the next run resumes after it. */
  afterSeq: number;
  /** Messages sent so far. */
  sent: number;
  startedAt: number;
  finishedAt: number | null;
}

export type ReplayAnswer =
  | { ok: true; job: ReplayJob }
  | { ok: false; code: "UNKNOWN_SUBSCRIBER"; message: string };

const REPLAY_KEY = "replay-jobs";

/** Every replay started, by subscriber, finished or not. */
export async function replayJobs(
  storage: DurableObjectStorage,
): Promise<Record<string, ReplayJob>> {
  return (await storage.get<Record<string, ReplayJob>>(REPLAY_KEY)) ?? {};
}

/** Records a new replay to `request.to` (starting over any earlier one) and arms the alarm. */
export async function startReplay(
  storage: DurableObjectStorage,
  queues: RelayConfig["queues"],
  request: { to: string; since: number },
): Promise<ReplayAnswer> {
  if (!queues[request.to]) {
    return {
      ok: false,
      code: "UNKNOWN_SUBSCRIBER",
      message: `this service publishes to ${Object.keys(queues).join(", ") || "nobody"}, not ${request.to}`,
    };
  }
  const job: ReplayJob = {
    to: request.to,
    since: request.since,
    afterSeq: 0,
    sent: 0,
    startedAt: Date.now(),
    finishedAt: null,
  };
  await storage.put(REPLAY_KEY, { ...(await replayJobs(storage)), [request.to]: job });
  const scheduled = await storage.getAlarm();
  if (scheduled === null || scheduled > Date.now()) await storage.setAlarm(Date.now());
  return { ok: true, job };
}

/**
 * Carries the unfinished replays on within `budget` D1 queries and sends; `more` if any is
 * left. `sendRows` sends rows (within the send limits) to one queue.
 */
export async function replayStep(
  storage: DurableObjectStorage,
  config: RelayConfig,
  budget: number,
  sendRows: (queue: Queue, rows: PendingRow[]) => Promise<number>,
): Promise<{ more: boolean }> {
  const jobs = await replayJobs(storage);
  let operations = 0;
  for (const job of Object.values(jobs)) {
    const queue = config.queues[job.to];
    if (job.finishedAt !== null || !queue) continue;
    while (operations < budget && job.finishedAt === null) {
      const rows = await readReplayPage(config.db, job.afterSeq, job.since);
      operations++;
      const wanted = rows.filter((r) => config.catalog.subscribersOf(r.type).includes(job.to));
      operations += await sendRows(queue, wanted);
      job.sent += wanted.length;
      job.afterSeq = rows.at(-1)?.seq ?? job.afterSeq;
      if (rows.length < REPLAY_PAGE_ROWS) job.finishedAt = Date.now();
      // Saved after every page: a crash re-sends at most one page, which consumers dedupe.
      await storage.put(REPLAY_KEY, jobs);
    }
  }
  return { more: Object.values(jobs).some((j) => j.finishedAt === null && config.queues[j.to]) };
}
