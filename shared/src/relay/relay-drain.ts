import type { Envelope } from "../envelope";
import type { PendingRow } from "./chunk-for-send";
import { missingQueues, pauseBetweenSends, type RelayConfig } from "./relay-config";
import { markPublishedById, type PageRead, readPageMarking } from "./relay-queries";
import {
  addUnrouted,
  logMissingQueues,
  type SendContext,
  sendTimeoutMs,
  sendToSubscribers,
} from "./relay-send";

/** Events handed over by pokes and not yet sent, at most (more wait for the page reader). */
const MAX_HANDED_OVER = 1_000;
/** Ids of events published lately, so one the page reader sent is not sent again when handed over. */
const RECENT_IDS = 10_000;

export interface Drained extends Omit<PageRead, "page"> {
  published: number;
  more: boolean;
  operations: number;
}

/**
 * Publishes the outbox in commit order: pending rows a page at a time, each page sent to every
 * subscriber and then marked published (awaiting receipts). Lives as long as the relay object:
 * it keeps the events pokes handed over and the ids published lately.
 */
export class RelayDrainer {
  /**
   * Events committed just before their poke, handed over with it: the next run sends them
   * without reading them first. Only a shortcut: they are in the outbox already, and a lost
   * hand-over (an evicted object) leaves them to the page reader.
   */
  private handedOver: Envelope[] = [];
  private readonly recentlyPublished = new Set<string>();
  /** Rows this run has published (marked) so far: a run that fails after progress is not stuck. */
  publishedInRun = 0;
  /** Messages this run did not send for want of a subscriber's queue binding, by subscriber. */
  unroutedInRun: Record<string, number> = {};
  private queuesChecked = false;

  handOver(events: readonly Envelope[]): void {
    for (const event of events)
      if (this.handedOver.length < MAX_HANDED_OVER) this.handedOver.push(event);
  }

  /**
   * Publishes pending rows in commit order until none are left or the run's budget is spent.
   * One D1 call per page: marking the page just sent rides in the batch that reads the next.
   */
  async drain(ctx: SendContext, budget: number): Promise<Drained> {
    // The relay's start: a missing binding is said before any event waits on it.
    if (!this.queuesChecked) logMissingQueues(missingQueues(ctx.config));
    this.queuesChecked = true;
    const timeoutMs = await sendTimeoutMs(ctx);
    let operations = 0;
    let published = 0;
    // Handed-over events go first, unread; marking them rides in the batch reading the first page.
    let sent = this.takeHandedOver();
    if (sent.length > 0) operations += await this.sendAllOrMarkDelivered(ctx, sent, timeoutMs);
    for (;;) {
      const { page: rows, ...resends } = await readPageMarking(ctx.config, sent);
      operations++;
      published += sent.length;
      this.publishedInRun += sent.length;
      for (const row of sent) this.remember(row.eventId);
      if (rows.length === 0) return { published, more: false, operations, ...resends };
      if (operations >= budget) return { published, more: true, operations, ...resends };
      if (published > 0) await pauseBetweenSends(ctx.config);
      operations += await this.sendAllOrMarkDelivered(ctx, rows, timeoutMs);
      await ctx.hooks.afterPageSent();
      sent = rows;
    }
  }

  /** The handed-over events not published since, as rows to send. */
  private takeHandedOver(): PendingRow[] {
    const events = this.handedOver;
    this.handedOver = [];
    const rows = new Map<string, PendingRow>();
    for (const event of events)
      if (!this.recentlyPublished.has(event.id))
        rows.set(event.id, {
          seq: 0,
          eventId: event.id,
          type: event.type,
          body: JSON.stringify(event),
        });
    return [...rows.values()];
  }

  private remember(eventId: string): void {
    this.recentlyPublished.add(eventId);
    if (this.recentlyPublished.size > RECENT_IDS) {
      const oldest = this.recentlyPublished.values().next();
      if (!oldest.done) this.recentlyPublished.delete(oldest.value);
    }
  }

  /**
   * Sends a page to every subscriber. When a send failed, the rows whose every send resolved
   * are marked published before the run fails: the next run sends only the rest (a page all
   * or nothing made no progress at all once a backlog filled the pages and some send of each
   * failed). Returns the number of sends.
   */
  private async sendAllOrMarkDelivered(
    ctx: SendContext,
    rows: PendingRow[],
    timeoutMs: number,
  ): Promise<number> {
    const { sends, failed, unrouted } = await sendToSubscribers(
      ctx,
      rows,
      timeoutMs,
      subscribersIn(ctx.config),
    );
    addUnrouted(this.unroutedInRun, unrouted);
    if (failed.error === undefined) return sends;
    const delivered = rows.filter((row) => !failed.ids.has(row.eventId));
    if (delivered.length > 0) {
      await markPublishedById(ctx.config, delivered);
      this.publishedInRun += delivered.length;
      for (const row of delivered) this.remember(row.eventId);
    }
    throw failed.error;
  }
}

const subscribersIn =
  (config: RelayConfig) =>
  (row: PendingRow): readonly string[] =>
    config.catalog.subscribersOf(row.type);
