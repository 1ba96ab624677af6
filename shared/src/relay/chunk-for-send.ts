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
  const chunks: PendingRow[][] = [];
  let current: PendingRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = utf8.encode(row.body).byteLength;
    if (current.length > 0 && (current.length >= maxMessages || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
