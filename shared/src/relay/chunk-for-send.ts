import { runsWithin } from "../db/runs-within";

export interface PendingRow {
  /** 0 for an event handed over by a poke (not read from the outbox). */
  seq: number;
  eventId: string;
  type: string;
  body: string;
}

const utf8 = new TextEncoder();

/** Splits rows (in commit order) into runs that fit one `sendBatch`: message count and byte caps. */
export function chunkForSend(
  rows: PendingRow[],
  maxMessages: number,
  maxBytes: number,
): PendingRow[][] {
  return runsWithin(rows, maxMessages, maxBytes, (row) => utf8.encode(row.body).byteLength);
}
