import { DurableObject, env as workerEnv } from "cloudflare:workers";
import type { Catalog } from "../catalog";
import { errorText } from "../db/types";
import type { Envelope } from "../envelope";
import {
  type FaultPlan,
  type FaultPoint,
  type FaultReport,
  faultsEnabled,
  InjectedFault,
} from "../faults/faults";
import { loggerFor } from "../log/logger";
import { DEFAULT_RECEIPT_TIMEOUT_MS } from "../outbox/outbox-writer";
import { parseAwaiting } from "../receipts/awaiting";
import { chunkForSend, type PendingRow } from "./chunk-for-send";
import { DEFAULT_HELD_CHECK_MS, holdCopies, resendHeldCopies } from "./held-copies";
import { pollingIntervalMs, setPollingInterval } from "./polling-baseline";
import { RelayFaults } from "./relay-faults";
import {
  type ReplayAnswer,
  type ReplayJob,
  replayJobs,
  replayStep,
  startReplay,
} from "./relay-replay";

export type { ReplayAnswer, ReplayJob } from "./relay-replay";

export interface RelayConfig {
  /** The service's own D1 database, holding the outbox table. */
  db: D1Database;
  /** Routing: which services get each event type. */
  catalog: Pick<Catalog, "subscribersOf">;
  /** Inbox queue of every subscriber service, by service name. */
  queues: Record<string, Queue>;
  /** Cap per `sendBatch` call; the platform's limit is 100. */
  maxMessagesPerSend?: number;
  /** Cap per `sendBatch` call; the platform's limit is 256 KB. */
  maxBytesPerSend?: number;
  /** Give up on a `sendBatch` that has not settled (it has been seen to hang ~57 s). */
  sendTimeoutMs?: number;
  /** The local queue broker needs a breather between pages of sends (see platform.md). */
  pauseBetweenSendsMs?: number;
  /** Stop an alarm run after this many D1 queries or sends and re-arm (D1 allows 1,000 per invocation). */
  operationBudget?: number;
  /**
   * An event a subscriber has not sent a receipt for this long after it was published is
   * sent to it again (same id), then after twice as long, and so on up to 10 minutes, once
   * the subscriber has acknowledged an event published this long after it (it skipped this
   * one: lost, not slow) or the event has waited twice this long and the subscriber has
   * been silent for this long (it may have lost everything).
   */
  receiptTimeoutMs?: number;
  /**
   * The service's own inbox queue: where copies held for self-read (`holdUntilApplied`) are
   * sent again until the service applied them.
   */
  ownQueue?: Queue;
  /** A held copy is checked this long after it was sent (then twice as long ...). Default 30 s. */
  heldCheckMs?: number;
}

export interface RelayStatus {
  lastRunAt: number | null;
  lastSuccessAt: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  consecutiveFailures: number;
  publishedTotal: number;
  /** Events sent again to a subscriber that had not sent a receipt for them. */
  resentTotal: number;
  /** Self-read copies sent again to the service's own inbox, which had not applied them. */
  heldResentTotal?: number;
  /** When the alarm will next run, if armed. */
  nextAlarmAt: number | null;
}

const STATUS_KEY = "relay-status";
/** Rows read per page: sent at once (chunks of 100 to every subscriber), marked in one UPDATE. */
const PAGE_ROWS = 500;
/** A page stops after this many characters of bodies, so a page of large events stays small. */
const PAGE_CHARS = 2_000_000;
/**
 * The local queue broker fails a back-to-back burst of >10,000 messages (platform.md);
 * 1 ms between pages avoids it and costs nothing that matters in production.
 */
const DEFAULT_PAUSE_BETWEEN_SENDS_MS = 1;
const MAX_BACKOFF_MS = 60_000;
const MAX_RESEND_BACKOFF_MS = 600_000;
/** Events re-sent per run, at most (more go in the next run, at once). */
const RESEND_ROWS = 100;

// The page's rows in commit order, cut after PAGE_CHARS of bodies (the first row always comes).
const SELECT_PAGE = `SELECT seq, event_id AS eventId, type, body FROM (
    SELECT seq, event_id, type, body, SUM(length(body)) OVER (ORDER BY seq) AS upto
      FROM (SELECT seq, event_id, type, body FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT ${PAGE_ROWS})
  ) WHERE upto - length(body) < ${PAGE_CHARS} ORDER BY seq`;
// Published: now awaiting a receipt from each subscriber of its type (?4: type -> subscribers).
const PUBLISHED = `published_at = ?1, next_resend_at = ?1 + ?2,
  awaiting = json_extract(?3, '$."' || type || '"')`;
// Safe as a range: seqs only grow, and a page is the lowest pending rows.
const MARK_PUBLISHED = `UPDATE outbox SET ${PUBLISHED} WHERE seq BETWEEN ?4 AND ?5 AND published_at IS NULL`;
// json_each: one bound parameter however many ids (D1 binds at most 100).
const MARK_PUBLISHED_BY_ID = `UPDATE outbox SET ${PUBLISHED}
  WHERE event_id IN (SELECT value FROM json_each(?4)) AND published_at IS NULL`;
// Published events a subscriber has not acknowledged in time, oldest due first.
const SELECT_DUE = `SELECT seq, event_id AS eventId, type, body, awaiting, published_at AS publishedAt FROM outbox
  WHERE awaiting IS NOT NULL AND next_resend_at <= ? ORDER BY next_resend_at LIMIT ${RESEND_ROWS}`;
// When the next one not yet due is.
const SELECT_NEXT_DUE =
  "SELECT min(next_resend_at) AS at FROM outbox WHERE awaiting IS NOT NULL AND next_resend_at > ?";
// Backoff doubles with each re-send: 2x, 4x ... the timeout, capped.
const MARK_RESENT = `UPDATE outbox SET resends = resends + 1,
  next_resend_at = ?1 + min(?2 * (2 << min(resends, 10)), ${MAX_RESEND_BACKOFF_MS})
  WHERE event_id IN (SELECT value FROM json_each(?3)) AND awaiting IS NOT NULL`;
// Due, but every subscriber it awaits is behind it: look again a timeout later.
const MARK_HELD = `UPDATE outbox SET next_resend_at = ?1 + ?2
  WHERE event_id IN (SELECT value FROM json_each(?3)) AND awaiting IS NOT NULL`;
// How far each subscriber has acknowledged (see receipts.ts).
const SELECT_PROGRESS =
  "SELECT subscriber, acked_published_at AS ackedPublishedAt, acked_at AS ackedAt FROM receipt_progress";
/**
 * A due event goes again to a subscriber that has not moved past it once it waited this many
 * timeouts and the subscriber has acknowledged nothing for a timeout: it may have lost
 * everything. One still acknowledging is working through a backlog that holds the event;
 * re-sending the backlog would only make it longer (and did: a re-send storm under load).
 */
const STALL_TIMEOUTS = 2;
/** Events handed over by pokes and not yet sent, at most (more wait for the page reader). */
const MAX_HANDED_OVER = 1_000;
/** Ids of events published lately, so one the page reader sent is not sent again when handed over. */
const RECENT_IDS = 10_000;

const emptyStatus: RelayStatus = {
  lastRunAt: null,
  lastSuccessAt: null,
  lastError: null,
  lastErrorAt: null,
  consecutiveFailures: 0,
  publishedTotal: 0,
  resentTotal: 0,
  nextAlarmAt: null,
};

/** Delay before the next try after `failures` failed runs in a row: 1 s, 2 s, 4 s ... 60 s. */
export function relayBackoffMs(failures: number): number {
  return Math.min(1000 * 2 ** Math.max(0, failures - 1), MAX_BACKOFF_MS);
}

/**
 * The single publisher of one service's outbox. Subclass it in the service's
 * entry file and say where the database and the subscriber queues are:
 * @example export class OutboxRelay extends BaseOutboxRelay<Env> {
 *   protected config() { return { db: this.env.DB, catalog, queues: { billing: this.env.BILLING_INBOX } }; }
 * }
 */
export abstract class OutboxRelay<Env = unknown> extends DurableObject<Env> {
  protected abstract config(): RelayConfig;

  /**
   * Events committed just before their poke, handed over with it: the next run sends them
   * without reading them first. Only a shortcut: they are in the outbox already, and a lost
   * hand-over (an evicted object) leaves them to the page reader.
   */
  private handedOver: Envelope[] = [];
  /** Rows this run has published (marked) so far: a run that fails after progress is not stuck. */
  private publishedInRun = 0;
  private readonly recentlyPublished = new Set<string>();
  /** When `dueWork` wants to run next (0: at the next run, null: never). */
  private dueWorkAt: number | null = 0;
  /** When the next held self-read copy falls due (0: unknown, look; null: none held). */
  private heldDueAt: number | null = 0;

  /**
   * Self-read: `events` were sent to this service's own inbox and stored nowhere else. Keeps a
   * copy and sends it again until the service's inbox has applied it (see held-copies.ts).
   */
  async holdUntilApplied(events: Envelope[]): Promise<void> {
    const dueAt = Date.now() + (this.config().heldCheckMs ?? DEFAULT_HELD_CHECK_MS);
    await holdCopies(this.ctx.storage, events, dueAt);
    if (this.heldDueAt === null || this.heldDueAt > dueAt) this.heldDueAt = dueAt;
    const scheduled = await this.ctx.storage.getAlarm();
    if (scheduled === null || scheduled > dueAt) await this.ctx.storage.setAlarm(dueAt);
  }

  /** The held copies' run, when one is due; a failure is logged and tried again in 5 s. */
  private async resendHeld(config: RelayConfig, now: number): Promise<number> {
    if (this.heldDueAt === null || this.heldDueAt > now) return 0;
    try {
      const run = await resendHeldCopies(
        this.ctx.storage,
        config.db,
        config.ownQueue,
        now,
        config.heldCheckMs ?? DEFAULT_HELD_CHECK_MS,
      );
      this.heldDueAt = run.nextDueAt;
      return run.resent;
    } catch (error) {
      this.heldDueAt = now + 5_000;
      loggerFor(this.env).error("held copies not checked", { error: errorText(error) });
      return 0;
    }
  }

  /**
   * Work of the service that falls due at a time, run by this relay's alarm before it
   * drains (so the events it commits leave in the same run), e.g. a saga's deadline.
   * Returns when it is next due, or null. Override in the service's relay.
   */
  protected async dueWork(_now: number): Promise<number | null> {
    return null;
  }

  /**
   * Something was committed: drain now (unless backing off after a failure). The cron's
   * poke (`maintenance`) also cuts a backoff short: at most one extra try a minute, and a
   * relay that failed many times in a row resumes within a minute of the cause going away.
   */
  async poke(
    options: { maintenance?: boolean; events?: Envelope[]; due?: boolean } = {},
  ): Promise<void> {
    if (!options.maintenance && (await this.faultPlan()?.draw("relay.poke-lost"))) return;
    // Work fell due now (effects were recorded): the next run does it, not the one it planned.
    // The cron's poke looks too, in case that poke was lost.
    if (options.due || options.maintenance) this.dueWorkAt = 0;
    if (await this.pollingIntervalMs()) return;
    for (const event of options.events ?? [])
      if (this.handedOver.length < MAX_HANDED_OVER) this.handedOver.push(event);
    const scheduled = await this.ctx.storage.getAlarm();
    if (
      scheduled !== null &&
      !options.maintenance &&
      (await this.storedStatus()).consecutiveFailures > 0
    )
      return;
    if (scheduled === null || scheduled > Date.now()) await this.ctx.storage.setAlarm(Date.now());
  }

  async status(): Promise<RelayStatus> {
    return { ...(await this.storedStatus()), nextAlarmAt: await this.ctx.storage.getAlarm() };
  }

  private async storedStatus(): Promise<RelayStatus> {
    return { ...emptyStatus, ...(await this.ctx.storage.get<RelayStatus>(STATUS_KEY)) };
  }

  /** Runs `dueWork` when due; its failure is logged and tried again in 5 s, never blocking the drain. */
  private async runDueWork(now: number): Promise<void> {
    if (this.dueWorkAt === null || this.dueWorkAt > now) return;
    try {
      const next = await this.dueWork(now);
      // Never sooner than a second out: a service answering "now" again must not spin the alarm.
      this.dueWorkAt = next === null ? null : Math.max(next, now + 1_000);
    } catch (error) {
      this.dueWorkAt = now + 5_000;
      loggerFor(this.env).error("relay due work failed", { error: errorText(error) });
    }
  }

  override async alarm(): Promise<void> {
    const status = await this.storedStatus();
    const now = Date.now();
    this.publishedInRun = 0;
    try {
      if (await this.faultPlan()?.draw("relay.alarm-fails"))
        throw new InjectedFault("relay.alarm-fails");
      await this.runDueWork(now);
      const config = this.config();
      const heldResent = await this.resendHeld(config, now);
      const budget = config.operationBudget ?? 800;
      const drained = await this.drain(config, budget);
      const resent = drained.more
        ? null
        : await this.resendDue(config, drained.due, drained.progress);
      // Live events first: a replay only gets what the drain left of the run's budget.
      const replaying =
        !drained.more &&
        (
          await replayStep(
            this.ctx.storage,
            config,
            budget - drained.operations - (resent?.operations ?? 0),
            (queue, rows) => this.sendInTurn(config, queue, rows),
          )
        ).more;
      await this.ctx.storage.put<RelayStatus>(STATUS_KEY, {
        ...status,
        lastRunAt: now,
        lastSuccessAt: Date.now(),
        consecutiveFailures: 0,
        publishedTotal: status.publishedTotal + drained.published,
        resentTotal: status.resentTotal + (resent?.resent ?? 0),
        heldResentTotal: (status.heldResentTotal ?? 0) + heldResent,
      });
      const polling = await this.pollingIntervalMs();
      const wake =
        drained.more || resent?.more || replaying
          ? Date.now()
          : earliest(drained.nextDueAt, resent?.nextDueAt, this.dueWorkAt, this.heldDueAt);
      if (polling) await this.ctx.storage.setAlarm(Date.now() + polling);
      else if (wake !== null) await this.ctx.storage.setAlarm(Math.max(wake, Date.now()));
    } catch (error) {
      // Backoff is for a relay that gets nowhere. One that published pages before a send failed
      // tries again soon: under a backlog nearly every run meets some failure, and a growing
      // backoff would stall the whole outbox for minutes (it did, in a 5,000-order chaos run).
      const failures = this.publishedInRun > 0 ? 1 : status.consecutiveFailures + 1;
      await this.ctx.storage.put<RelayStatus>(STATUS_KEY, {
        ...status,
        lastRunAt: now,
        lastError: errorText(error),
        lastErrorAt: Date.now(),
        consecutiveFailures: failures,
        publishedTotal: status.publishedTotal + this.publishedInRun,
      });
      // Re-arm ourselves instead of throwing: the platform gives up on an alarm after 6 retries.
      await this.ctx.storage.setAlarm(Date.now() + relayBackoffMs(failures));
      loggerFor(this.env).error("outbox relay run failed", { failures, error: errorText(error) });
    }
  }

  /**
   * Publishes pending rows in commit order until none are left or the run's budget is spent.
   * One D1 call per page: marking the page just sent rides in the batch that reads the next.
   */
  protected async drain(config: RelayConfig, budget: number): Promise<Drained> {
    const timeoutMs = await this.sendTimeoutMs(config);
    let operations = 0;
    let published = 0;
    // Handed-over events go first, unread; marking them rides in the batch reading the first page.
    let sent = this.takeHandedOver();
    if (sent.length > 0) operations += await this.sendAllOrMarkDelivered(config, sent, timeoutMs);
    for (;;) {
      const { page: rows, ...resends } = await readPageMarking(config, sent);
      operations++;
      published += sent.length;
      this.publishedInRun += sent.length;
      for (const row of sent) this.remember(row.eventId);
      if (rows.length === 0) return { published, more: false, operations, ...resends };
      if (operations >= budget) return { published, more: true, operations, ...resends };
      if (published > 0) await this.pause(config);
      operations += await this.sendAllOrMarkDelivered(config, rows, timeoutMs);
      if (await this.faultPlan()?.draw("relay.crash-after-send"))
        throw new InjectedFault("relay.crash-after-send");
      sent = rows;
    }
  }

  /**
   * Sends the events due for a re-send again, each to the subscribers that owe a receipt for
   * it and have moved past it (acknowledged an event published a timeout after it; not just a
   * higher seq: a lost poke publishes low seqs late, and queues reorder) or let it wait too
   * long, and
   * pushes their next re-send out (backoff). An event only behind a slow subscriber is held:
   * re-sending a queue's backlog would only make it longer. Same ids: the inbox absorbs the
   * copies of events that were handled after all (only their receipt was lost or late).
   */
  private async resendDue(
    config: RelayConfig,
    due: DueRow[],
    progress: Map<string, Progress>,
  ): Promise<{ resent: number; more: boolean; operations: number; nextDueAt: number | null }> {
    if (due.length === 0) return { resent: 0, more: false, operations: 0, nextDueAt: null };
    const now = Date.now();
    const timeout = receiptTimeoutMs(config);
    const targets = new Map<string, string[]>();
    for (const row of due) {
      const waitedLong = now - row.publishedAt >= STALL_TIMEOUTS * timeout;
      const owing = parseAwaiting(row.awaiting).filter((subscriber) => {
        const { publishedAt = 0, at = 0 } = progress.get(subscriber) ?? {};
        return (
          publishedAt >= row.publishedAt + timeout ||
          // Something published after it arrived, and it has not in twice that long: lost.
          // (What a run publishes last has nothing published a timeout after it.)
          (waitedLong && publishedAt > row.publishedAt) ||
          (waitedLong && now - at >= timeout)
        );
      });
      if (owing.length > 0) targets.set(row.eventId, owing);
    }
    const { sends, failed } = await this.sendToSubscribers(
      config,
      due.filter((row) => targets.has(row.eventId)),
      await this.sendTimeoutMs(config),
      (row) => targets.get(row.eventId) ?? [],
    );
    if (failed.error !== undefined) throw failed.error;
    const held = due.filter((row) => !targets.has(row.eventId)).map((row) => row.eventId);
    const { db } = config;
    await db.batch([
      db.prepare(MARK_RESENT).bind(now, timeout, JSON.stringify([...targets.keys()])),
      db.prepare(MARK_HELD).bind(now, timeout, JSON.stringify(held)),
    ]);
    const resent = [...targets.values()].reduce((n, subscribers) => n + subscribers.length, 0);
    if (resent > 0)
      loggerFor(this.env).info("events re-sent for want of a receipt", {
        events: targets.size,
        messages: resent,
        held: held.length,
      });
    // A full page: more may be due (those just handled are not any more).
    return {
      resent,
      more: due.length === RESEND_ROWS,
      operations: sends + 1,
      // The soonest any of these is due again: a held one after a timeout, a re-sent one after two.
      nextDueAt: now + (held.length > 0 ? timeout : 2 * timeout),
    };
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
    config: RelayConfig,
    rows: PendingRow[],
    timeoutMs: number,
  ): Promise<number> {
    const { sends, failed } = await this.sendToSubscribers(
      config,
      rows,
      timeoutMs,
      subscribersIn(config),
    );
    if (failed.error === undefined) return sends;
    const delivered = rows.filter((row) => !failed.ids.has(row.eventId));
    if (delivered.length > 0) {
      await markPublishedById(config, delivered);
      this.publishedInRun += delivered.length;
      for (const row of delivered) this.remember(row.eventId);
    }
    throw failed.error;
  }

  /**
   * Sends rows to every subscriber, all chunks at once, and waits for every send: returns how
   * many there were, and the rows of the failed ones with the first error.
   */
  private async sendToSubscribers<R extends PendingRow>(
    config: RelayConfig,
    rows: R[],
    timeoutMs: number,
    subscribersOf: (row: R) => readonly string[],
  ): Promise<{ sends: number; failed: { ids: Set<string>; error?: unknown } }> {
    const bodies = new Map<string, unknown>();
    const bySubscriber = new Map<string, PendingRow[]>();
    for (const row of rows)
      for (const service of subscribersOf(row)) {
        const list = bySubscriber.get(service);
        if (list) list.push(row);
        else bySubscriber.set(service, [row]);
      }
    const sends: Promise<void>[] = [];
    const chunks: PendingRow[][] = [];
    for (const [service, serviceRows] of bySubscriber) {
      const queue = config.queues[service];
      if (!queue) throw new Error(`no queue configured for subscriber "${service}"`);
      for (const chunk of chunkForSend(serviceRows, ...sendLimits(config))) {
        const messages = chunk.map((row) => {
          const body = bodies.get(row.eventId) ?? JSON.parse(row.body);
          bodies.set(row.eventId, body);
          return { body, contentType: "json" as const };
        });
        chunks.push(chunk);
        sends.push(
          withTimeout(this.publish(queue, messages), timeoutMs, `sendBatch to ${service}`),
        );
      }
    }
    const failed: { ids: Set<string>; error?: unknown } = { ids: new Set() };
    for (const [i, outcome] of (await Promise.allSettled(sends)).entries()) {
      if (outcome.status === "fulfilled") continue;
      failed.error ??= outcome.reason;
      for (const row of chunks[i] ?? []) failed.ids.add(row.eventId);
    }
    return { sends: sends.length, failed };
  }

  /** Rows to one queue, one chunk after another (replays: not the hot path). Returns the number of sends. */
  private async sendInTurn(config: RelayConfig, queue: Queue, rows: PendingRow[]): Promise<number> {
    const timeoutMs = await this.sendTimeoutMs(config);
    let sends = 0;
    for (const chunk of chunkForSend(rows, ...sendLimits(config))) {
      if (sends++ > 0) await this.pause(config);
      const messages = chunk.map((r) => ({
        body: JSON.parse(r.body),
        contentType: "json" as const,
      }));
      await withTimeout(this.send(queue, messages), timeoutMs, "replay send");
    }
    return sends;
  }

  private async pause(config: RelayConfig): Promise<void> {
    const pause = config.pauseBetweenSendsMs ?? DEFAULT_PAUSE_BETWEEN_SENDS_MS;
    if (pause > 0) await new Promise((r) => setTimeout(r, pause));
  }

  private publish(queue: Queue, messages: MessageSendRequest[]): Promise<void> {
    const faults = this.faultPlan();
    if (faults) return faults.send((batch) => this.send(queue, batch), messages);
    return this.send(queue, messages);
  }

  /** One `sendBatch` on the wire (after the fault points); a seam for tests. */
  protected send(queue: Queue, messages: MessageSendRequest[]): Promise<void> {
    return queue.sendBatch(messages).then(() => undefined);
  }

  private async sendTimeoutMs(config: RelayConfig): Promise<number> {
    const fallback = config.sendTimeoutMs ?? 30_000;
    return (await this.faultPlan()?.sendTimeoutMs(fallback)) ?? fallback;
  }

  // --- Fault injection: only when FAULTS_ENABLED is "true" (relay-faults.ts) ---

  private faultState: RelayFaults | undefined;

  private faultPlan(): RelayFaults | undefined {
    if (!faultsEnabled(this.env)) return undefined;
    this.faultState ??= new RelayFaults(this.ctx.storage);
    return this.faultState;
  }

  /** The plan and what it injected so far. */
  async faults(): Promise<FaultReport> {
    return (await this.faultPlan()?.report()) ?? { enabled: false, plan: null, injected: {} };
  }

  /** Replaces the plan; draws and counters start from zero, so a seed replays its decisions. */
  async setFaults(plan: FaultPlan): Promise<FaultReport> {
    const faults = this.faultPlan();
    if (!faults) throw new Error("FAULTS_DISABLED");
    return faults.set(plan);
  }

  /** Removes the plan: no more faults. */
  async clearFaults(): Promise<FaultReport> {
    this.faultState ??= new RelayFaults(this.ctx.storage);
    await this.faultState.clear();
    return this.faults();
  }

  /** Whether the active plan can inject `point` at all (lets callers skip a draw per message). */
  async faultArmed(point: FaultPoint): Promise<boolean> {
    return (await this.faultPlan()?.armed(point)) ?? false;
  }

  /** Draws the next decision of `point` (for the service's other fault points, e.g. its consumer). */
  async injectFault(point: FaultPoint): Promise<boolean> {
    return (await this.faultPlan()?.draw(point)) ?? false;
  }

  // --- Polling-relay baseline: only when BENCH_BASELINES_ENABLED is "true" (polling-baseline.ts) ---

  /** The poll interval while this relay plays the polling baseline, else null. */
  async pollingIntervalMs(): Promise<number | null> {
    return pollingIntervalMs(this.env, this.ctx.storage);
  }

  /** Play the polling baseline (ignore pokes, drain every `intervalMs`), or stop with null. */
  async setPollingBaseline(intervalMs: number | null): Promise<void> {
    await setPollingInterval(this.env, this.ctx.storage, intervalMs);
  }

  // --- Replay / backfill (relay-replay.ts) ---

  /**
   * Re-publishes the retained outbox rows committed at or after `since` whose type `to`
   * subscribes to, to `to`'s queue only, in commit order, in chunks within the send limits,
   * carried on over as many alarm runs as it takes. Only published rows: pending ones reach
   * `to` through the normal drain. Consumers dedupe, so replaying to a live subscriber is safe.
   * A new replay to the same subscriber starts over.
   * @example await relayStub(env.OUTBOX_RELAY).replay({ to: "view", since: 0 })
   */
  async replay(request: { to: string; since: number }): Promise<ReplayAnswer> {
    return startReplay(this.ctx.storage, this.config().queues, request);
  }

  /** Every replay started, by subscriber, finished or not. */
  async replays(): Promise<Record<string, ReplayJob>> {
    return replayJobs(this.ctx.storage);
  }
}

interface DueRow extends PendingRow {
  /** JSON array of the subscribers without a receipt. */
  awaiting: string;
  publishedAt: number;
}

interface Drained {
  published: number;
  more: boolean;
  operations: number;
  /** Events due for a re-send, read with the last page. */
  due: DueRow[];
  /** When the next event not yet due falls due, if any. */
  nextDueAt: number | null;
  /** The latest publish time each subscriber has acknowledged, and when it last acknowledged any. */
  progress: Map<string, Progress>;
}

interface Progress {
  publishedAt: number;
  at: number;
}

function receiptTimeoutMs(config: RelayConfig): number {
  return config.receiptTimeoutMs ?? DEFAULT_RECEIPT_TIMEOUT_MS;
}

const subscribersIn =
  (config: RelayConfig) =>
  (row: PendingRow): readonly string[] =>
    config.catalog.subscribersOf(row.type);

function earliest(...times: (number | null | undefined)[]): number | null {
  const known = times.filter((t): t is number => typeof t === "number");
  return known.length > 0 ? Math.min(...known) : null;
}

function sendLimits(config: RelayConfig): [maxMessages: number, maxBytes: number] {
  return [config.maxMessagesPerSend ?? 100, config.maxBytesPerSend ?? 250_000];
}

/** Marks these rows published (their every send resolved), awaiting each subscriber's receipt. */
async function markPublishedById(config: RelayConfig, rows: PendingRow[]): Promise<void> {
  const now = Date.now();
  await config.db
    .prepare(MARK_PUBLISHED_BY_ID)
    .bind(
      now,
      receiptTimeoutMs(config),
      awaitedByType(config, rows),
      JSON.stringify(rows.map((r) => r.eventId)),
    )
    .run();
}

/**
 * Marks `sent` published (after its sends resolved) and reads the next page, in one D1 call,
 * with the events due for a re-send and when the next one falls due. Rows read from the
 * outbox are marked by their seq range, handed-over ones by id.
 */
async function readPageMarking(
  config: RelayConfig,
  sent: PendingRow[],
): Promise<{
  page: PendingRow[];
  due: DueRow[];
  nextDueAt: number | null;
  progress: Map<string, Progress>;
}> {
  const { db } = config;
  const now = Date.now();
  const reads = [
    db.prepare(SELECT_PAGE),
    db.prepare(SELECT_DUE).bind(now),
    db.prepare(SELECT_NEXT_DUE).bind(now),
    db.prepare(SELECT_PROGRESS),
  ];
  const first = sent[0];
  const last = sent.at(-1);
  const marks =
    first && last
      ? [
          db
            .prepare(first.seq > 0 ? MARK_PUBLISHED : MARK_PUBLISHED_BY_ID)
            .bind(
              now,
              receiptTimeoutMs(config),
              awaitedByType(config, sent),
              ...(first.seq > 0
                ? [first.seq, last.seq]
                : [JSON.stringify(sent.map((r) => r.eventId))]),
            ),
        ]
      : [];
  const results = await db.batch<Record<string, unknown>>([...marks, ...reads]);
  const [page, due, next, progress] = results.slice(marks.length);
  return {
    page: (page?.results ?? []) as unknown as PendingRow[],
    due: (due?.results ?? []) as unknown as DueRow[],
    nextDueAt: (next?.results[0]?.at as number | null | undefined) ?? null,
    progress: new Map(
      (progress?.results ?? []).map((row) => [
        String(row.subscriber),
        { publishedAt: Number(row.ackedPublishedAt), at: Number(row.ackedAt) },
      ]),
    ),
  };
}

/** `{ type: [subscribers] }` for the types among `rows` that have any: whom to await receipts from. */
function awaitedByType(config: RelayConfig, rows: PendingRow[]): string {
  const map: Record<string, readonly string[]> = {};
  for (const { type } of rows) {
    if (Object.hasOwn(map, type)) continue;
    const subscribers = config.catalog.subscribersOf(type);
    if (subscribers.length > 0) map[type] = subscribers;
  }
  return JSON.stringify(map);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => timer && clearTimeout(timer));
}

/**
 * Asks a service's relay to drain now, handing over the events just committed (it sends them
 * without reading them back). Never throws: the cron safety net covers a lost poke.
 * @example await pokeRelay(env.OUTBOX_RELAY, decision.events)
 */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export async function pokeRelay<T extends OutboxRelay<any>>(
  namespace: DurableObjectNamespace<T>,
  events?: Envelope[],
  options: { due?: boolean } = {},
): Promise<void> {
  try {
    await relayStub(namespace).poke({
      ...(events?.length ? { events } : {}),
      ...(options.due ? { due: true } : {}),
    });
  } catch (error) {
    loggerFor(workerEnv).warn("relay poke lost; cron will catch up", { error: errorText(error) });
  }
}

/** The stub of a service's single relay. */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export function relayStub<T extends OutboxRelay<any>>(
  namespace: DurableObjectNamespace<T>,
): DurableObjectStub<T> {
  return namespace.get(namespace.idFromName("outbox-relay"));
}
