import type { Logger } from "../log/logger";

/**
 * How long one queue batch may take before the consumer gives it up. A batch of 100 takes
 * seconds; one still running after this is stuck on a call that will not answer. The platform
 * ends such an invocation after 15 minutes; the local runtime never does, and its broker sends
 * the queue nothing more meanwhile: the whole inbox stalls behind one batch.
 */
export const BATCH_DEADLINE_MS = 120_000;

export class BatchDeadlineExceeded extends Error {
  constructor(queue: string, ms: number) {
    super(
      `batch of ${queue} still running after ${ms} ms: given up, its unsettled messages retried`,
    );
    this.name = "BatchDeadlineExceeded";
  }
}

/**
 * Runs `consume`, or throws `BatchDeadlineExceeded` once `ms` have passed: the platform then
 * retries every message of the batch not yet acked (the inbox absorbs any the stuck run still
 * commits later).
 */
export async function withinBatchDeadline<T>(
  batch: Pick<MessageBatch, "queue" | "messages">,
  consume: () => Promise<T>,
  log: Logger,
  ms = BATCH_DEADLINE_MS,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BatchDeadlineExceeded(batch.queue, ms)), ms);
  });
  try {
    return await Promise.race([consume(), deadline]);
  } catch (error) {
    if (error instanceof BatchDeadlineExceeded)
      log.error("queue batch given up", { queue: batch.queue, messages: batch.messages.length });
    throw error;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
