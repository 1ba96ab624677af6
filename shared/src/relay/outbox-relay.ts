import { DurableObject } from "cloudflare:workers";
import { errorText } from "../db/types";
import type { Envelope } from "../envelope";
import { type FaultPlan, type FaultPoint, type FaultReport, faultsEnabled } from "../faults/faults";
import { loggerFor } from "../log/logger";
import { DEFAULT_HELD_CHECK_MS } from "../receipts/resend-policy";
import { type OnShard, onShard } from "../shards/shard-env";
import { EventWaiters } from "./event-waiters";
import { HeldCopies } from "./held-copies";
import type { RelayConfig } from "./relay-config";
import { RelayDrainer } from "./relay-drain";
import { faultHooks, RelayFaults } from "./relay-faults";
import { ON_DEMAND, PLAIN_HOOKS, type RelayHooks, type RelaySchedule } from "./relay-hooks";
import {
  type ReplayAnswer,
  type ReplayJob,
  replayJobs,
  replayStep,
  startReplay,
} from "./relay-replay";
import { resendDue } from "./relay-resend";
import { type SendContext, sendInTurn } from "./relay-send";
import { shardOfRelayName, tagShard } from "./relay-shards";
import {
  EMPTY_RELAY_STATUS,
  type RelayStatus,
  relayBackoffMs,
  STATUS_KEY,
  statusAfterFailure,
  statusAfterRun,
} from "./relay-status";

export type { RelayConfig } from "./relay-config";
export type { ReplayAnswer, ReplayJob } from "./relay-replay";
export { pokeRelay, relayNameOf, relayStub, shardOfRelayName } from "./relay-shards";
export { EMPTY_RELAY_STATUS, type RelayStatus, relayBackoffMs } from "./relay-status";

/** Due work that failed is tried again this much later. */
const RETRY_DUE_WORK_MS = 5_000;
/** A poke's own run is re-run by the alarm this long after it started, had it not finished. */
const INLINE_RUN_SAFETY_MS = 10_000;
/** How long the alarm waits for a run in progress before it runs anyway. */
const STUCK_RUN_MS = 30_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The single publisher of one service's outbox: a thin shell whose alarm wires the due work,
 * the held copies, the drain (relay-drain.ts), the re-send rule (relay-resend.ts) and replays.
 * Fault injection (hooks) is mounted only when its switch is on; when it runs is `schedule()`'s
 * (on demand here; the bench's entry overrides it with its polling baseline, shared/bench).
 * Subclass it in the service's entry file and say where the database and the subscriber queues are:
 * @example export class OutboxRelay extends BaseOutboxRelay<Env> {
 *   protected config() { return { db: this.env.DB, catalog, queues: { billing: this.env.BILLING_INBOX } }; }
 * }
 */
export abstract class OutboxRelay<Env = unknown> extends DurableObject<Env> {
  protected abstract config(): RelayConfig;

  /** The shard whose outbox this relay publishes, from its name (`relayNameOf`). */
  protected readonly shard = shardOfRelayName(this.ctx.id.name);

  /** The service's env scoped to this relay's shard: its `DB` is the shard's database. */
  protected shardEnv(): OnShard<Env & object> {
    return onShard(this.env as Env & object, this.shard);
  }

  private readonly drainer = new RelayDrainer();
  private readonly held = new HeldCopies(this.ctx.storage);
  private readonly waiters = new EventWaiters();
  /** When `dueWork` wants to run next (0: at the next run, null: never). */
  private dueWorkAt: number | null = 0;

  /**
   * Self-read: `events` were sent to this service's own inbox and stored nowhere else. Keeps a
   * copy and sends it again until the service's inbox has applied it (see held-copies.ts).
   */
  async holdUntilApplied(events: Envelope[]): Promise<void> {
    const dueAt = await this.held.hold(events, this.config().heldCheckMs ?? DEFAULT_HELD_CHECK_MS);
    const scheduled = await this.ctx.storage.getAlarm();
    if (scheduled === null || scheduled > dueAt) await this.ctx.storage.setAlarm(dueAt);
  }

  /**
   * Held until an event with `correlationId` reaches this relay (handed over by a poke, or sent
   * by a run: the saga deadline's, the cdc path's), then true; false after `timeoutMs`. See
   * event-waiters.ts; `recheck` closes the race with a change made before the registration.
   * @example const changed = await relayStub(env.OUTBOX_RELAY, shard).waitForEvent(id, 5_000);
   */
  async waitForEvent(
    correlationId: string,
    timeoutMs: number,
    recheck?: () => Promise<boolean>,
  ): Promise<boolean> {
    return this.waiters.wait(correlationId, timeoutMs, recheck);
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
    if (!options.maintenance && (await this.hooks().pokeLost())) return;
    // Work fell due now (effects were recorded): the next run does it, not the one it planned.
    // The cron's poke looks too, in case that poke was lost.
    if (options.due || options.maintenance) this.dueWorkAt = 0;
    this.waiters.wake(options.events ?? []);
    if (await this.schedule().ignoresPokes()) return;
    this.drainer.handOver(options.events ?? []);
    const scheduled = await this.ctx.storage.getAlarm();
    if (
      scheduled !== null &&
      !options.maintenance &&
      (await this.storedStatus()).consecutiveFailures > 0
    )
      return;
    // Handed-over events leave in the poke itself, with no alarm invocation of their own. The
    // alarm keeps what is not just sending: a run in progress, the cron's poke, and work that
    // fell due (effects call third parties, which belong in an invocation of their own).
    const dueNow = this.dueWorkAt !== null && this.dueWorkAt <= Date.now();
    if (this.running || options.maintenance || dueNow) {
      if (scheduled === null || scheduled > Date.now()) await this.ctx.storage.setAlarm(Date.now());
      return;
    }
    // Should this object die mid-run, the alarm runs again what it did not finish.
    const safetyAt = Date.now() + INLINE_RUN_SAFETY_MS;
    if (scheduled === null || scheduled > safetyAt) await this.ctx.storage.setAlarm(safetyAt);
    // Awaited: the run stays within this request, whose caller waits for it at most a while.
    const next = await this.runOnce();
    // Nothing more due: the safety alarm goes, unless a poke during the run moved it to now.
    if (next === null && (await this.ctx.storage.getAlarm()) === safetyAt)
      await this.ctx.storage.deleteAlarm();
  }

  async status(): Promise<RelayStatus> {
    return { ...(await this.storedStatus()), nextAlarmAt: await this.ctx.storage.getAlarm() };
  }

  private async storedStatus(): Promise<RelayStatus> {
    return { ...EMPTY_RELAY_STATUS, ...(await this.ctx.storage.get<RelayStatus>(STATUS_KEY)) };
  }

  /** Runs `dueWork` when due; its failure is logged and tried again in 5 s, never blocking the drain. */
  private async runDueWork(now: number): Promise<void> {
    if (this.dueWorkAt === null || this.dueWorkAt > now) return;
    try {
      const next = await this.dueWork(now);
      // Never sooner than a second out: a service answering "now" again must not spin the alarm.
      this.dueWorkAt = next === null ? null : Math.max(next, now + 1_000);
    } catch (error) {
      this.dueWorkAt = now + RETRY_DUE_WORK_MS;
      this.log().error("relay due work failed", { error: errorText(error) });
    }
  }

  override async alarm(): Promise<void> {
    // One run at a time: a poke's run in progress is waited for, so no page is sent twice; but
    // not for ever (a run stuck on a call that never answers must not stop the outbox).
    if (this.running)
      await Promise.race([this.running.catch(() => undefined), sleep(STUCK_RUN_MS)]);
    await this.runOnce();
  }

  /** The run in progress (a poke's or the alarm's). */
  private running: Promise<number | null> | null = null;

  private async runOnce(): Promise<number | null> {
    const run = this.run();
    this.running = run;
    try {
      return await run;
    } finally {
      if (this.running === run) this.running = null;
    }
  }

  /** One run: due work, held copies, the drain, re-sends, replays. Returns when it arms next. */
  private async run(): Promise<number | null> {
    const status = await this.storedStatus();
    const now = Date.now();
    const log = this.log();
    this.drainer.publishedInRun = 0;
    this.drainer.unroutedInRun = {};
    try {
      const ctx = this.sendContext();
      await ctx.hooks.beforeRun();
      await this.runDueWork(now);
      const { config } = ctx;
      const heldCheckMs = config.heldCheckMs ?? DEFAULT_HELD_CHECK_MS;
      const heldResent = await this.held.run(config.db, config.ownQueue, now, heldCheckMs, log);
      const budget = config.operationBudget ?? 800;
      const drained = await this.drainer.drain(ctx, budget);
      const resent = drained.more ? null : await resendDue(ctx, drained.due, drained.progress);
      if (resent && resent.resent > 0)
        log.info("events re-sent for want of a receipt", {
          events: resent.events,
          messages: resent.resent,
          held: resent.held,
        });
      // Live events first: a replay only gets what the drain left of the run's budget.
      const replayBudget = budget - drained.operations - (resent?.operations ?? 0);
      const replaying =
        !drained.more &&
        (
          await replayStep(this.ctx.storage, config, replayBudget, (queue, rows) =>
            sendInTurn(ctx, queue, rows),
          )
        ).more;
      await this.ctx.storage.put<RelayStatus>(
        STATUS_KEY,
        statusAfterRun(status, {
          now,
          published: drained.published,
          resent: resent?.resent ?? 0,
          heldResent,
          unrouted: [this.drainer.unroutedInRun, resent?.unrouted],
        }),
      );
      const due =
        drained.more || resent?.more || replaying
          ? Date.now()
          : earliest(drained.nextDueAt, resent?.nextDueAt, this.dueWorkAt, this.held.dueAt);
      const next = await this.schedule().nextRun(due);
      if (next !== null) await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
      return next;
    } catch (error) {
      const failed = statusAfterFailure(status, {
        now,
        error: errorText(error),
        published: this.drainer.publishedInRun,
        unrouted: this.drainer.unroutedInRun,
      });
      await this.ctx.storage.put<RelayStatus>(STATUS_KEY, failed);
      const failures = failed.consecutiveFailures;
      // Re-arm ourselves instead of throwing: the platform gives up on an alarm after 6 retries.
      const retryAt = Date.now() + relayBackoffMs(failures);
      await this.ctx.storage.setAlarm(retryAt);
      log.error("outbox relay run failed", { failures, error: errorText(error) });
      return retryAt;
    }
  }

  /** Log lines that say which service's relay, on which shard. */
  private log = () => loggerFor(this.env, { service: this.config().service, shard: this.shard });

  private sendContext(): SendContext {
    return {
      config: this.config(),
      hooks: this.hooks(),
      wire: (queue, messages) => {
        // Events no poke handed over (a due work's, the cdc trigger's) wake their waiters here.
        this.waiters.wake(messages.map((m) => m.body));
        return this.send(queue, tagShard(messages, this.shard));
      },
    };
  }

  /** One `sendBatch` on the wire (after the fault points); a seam for tests. */
  protected send(queue: Queue, messages: MessageSendRequest[]): Promise<void> {
    return queue.sendBatch(messages).then(() => undefined);
  }

  // --- Fault injection: mounted only when FAULTS_ENABLED is "true" (relay-faults.ts) ---

  private faultState: RelayFaults | undefined;

  private faultPlan(): RelayFaults | undefined {
    if (!faultsEnabled(this.env)) return undefined;
    this.faultState ??= new RelayFaults(this.ctx.storage);
    return this.faultState;
  }

  /** The plain hooks, or the fault points' when fault injection is on. */
  private hooks(): RelayHooks {
    const faults = this.faultPlan();
    return faults ? faultHooks(faults) : PLAIN_HOOKS;
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

  /**
   * When this relay runs: on demand (pokes, and whenever work falls due). A seam for the bench's
   * entry, whose relay plays the polling baseline (shared/bench/polling-baseline.ts).
   */
  protected schedule(): RelaySchedule {
    return ON_DEMAND;
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

function earliest(...times: (number | null | undefined)[]): number | null {
  const known = times.filter((t): t is number => typeof t === "number");
  return known.length > 0 ? Math.min(...known) : null;
}
