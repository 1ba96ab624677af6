import type { AnyD1Database } from "../db/types";
import { consumeDeadLetterBatch, type LastTry } from "../dead-letters/dead-letters";
import type { Logger } from "../log/logger";
import { receiptOf } from "../receipts/receipts";
import { atMost, recordBookkeeping, SIDE_CALL_MS } from "./batch-bookkeeping";
import { noOutcomes } from "./batch-outcome";
import type { ConsumerReceipts } from "./consumer-receipts";
import type { Outcome } from "./consumer-types";
import { decodeBody } from "./processed-events";

/**
 * A batch of the service's dead-letter queue (`*-dlq`): receipts in it are applied like in any
 * batch (bookkeeping, never stored); every other message is stored as a dead letter, after one
 * last try through the consumer's path (dead-letters.ts). Dead-lettered is handled: the
 * producer gets its receipt and stops re-sending; an operator takes it from here.
 */
export async function consumeDlqBatch({
  db,
  batch,
  log,
  receipts,
  lastTry,
  queueOf,
}: {
  db: AnyD1Database;
  batch: MessageBatch;
  log: Logger;
  receipts: ConsumerReceipts;
  lastTry: LastTry;
  queueOf: (producer: string) => Queue | undefined;
}): Promise<Record<Outcome, number>> {
  const messages: Message[] = [];
  for (const message of batch.messages) {
    const receipt = receiptOf(decodeBody(message.body));
    if (receipt) {
      receipts.received.push(receipt);
      message.ack();
    } else messages.push(message);
  }
  const stored = await consumeDeadLetterBatch(db, batch.queue, messages, log, lastTry);
  for (const message of stored) receipts.handled(message);
  await Promise.all([
    atMost(
      SIDE_CALL_MS,
      recordBookkeeping(
        db,
        { duplicateIds: [], tally: noOutcomes(), receipts: receipts.received },
        log,
      ),
    ),
    atMost(SIDE_CALL_MS, receipts.send(queueOf, log)),
  ]);
  return { ...noOutcomes(), "dead-lettered": stored.length };
}
