import { DurableObject } from "cloudflare:workers";
import { benchBaselinesEnabled } from "../bench/baselines";
import type { Catalog } from "../catalog";
import { errorText } from "../db/types";
import {
  DEFAULT_FAULT_SEND_TIMEOUT_MS,
  type FaultPlan,
  type FaultPoint,
  type FaultReport,
  type FaultState,
  faultRandom,
  faultsEnabled,
  InjectedFault,
} from "../faults/faults";
import { chunkForSend, type PendingRow } from "./chunk-for-send";

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
  /** The local queue broker needs a breather between sends (see platform.md). */
  pauseBetweenSendsMs?: number;
  /** Stop an alarm run after this many D1 queries or sends and re-arm (D1 allows 1,000 per invocation). */
  operationBudget?: number;
}

export interface RelayStatus {
  lastRunAt: number | null;
  lastSuccessAt: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  consecutiveFailures: number;
  publishedTotal: number;
  /** When the alarm will next run, if armed. */
  nextAlarmAt: number | null;
}

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

const STATUS_KEY = "relay-status";
const REPLAY_KEY = "replay-jobs";
const FAULTS_KEY = "faults";
const POLLING_KEY = "bench-polling-interval-ms";
const PAGE_SIZE = 100;
/**
 * The local queue broker fails a back-to-back burst of >10,000 messages (platform.md);
 * 1 ms per send of up to 100 messages avoids it and costs nothing that matters in production.
 */
const DEFAULT_PAUSE_BETWEEN_SENDS_MS = 1;
const MAX_BACKOFF_MS = 60_000;

const emptyStatus: RelayStatus = {
  lastRunAt: null,
  lastSuccessAt: null,
  lastError: null,
  lastErrorAt: null,
  consecutiveFailures: 0,
  publishedTotal: 0,
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
   * Something was committed: drain now (unless backing off after a failure). The cron's
   * poke (`maintenance`) also cuts a backoff short: at most one extra try a minute, and a
   * relay that failed many times in a row resumes within a minute of the cause going away.
   */
  async poke(options: { maintenance?: boolean } = {}): Promise<void> {
    if (!options.maintenance && (await this.fault("relay.poke-lost"))) return;
    if (await this.pollingIntervalMs()) return;
    const status = await this.status();
    const scheduled = await this.ctx.storage.getAlarm();
    if (scheduled !== null && status.consecutiveFailures > 0 && !options.maintenance) return;
    if (scheduled === null || scheduled > Date.now()) await this.ctx.storage.setAlarm(Date.now());
  }

  // --- Polling-relay baseline (only when BENCH_BASELINES_ENABLED is "true"; see bench/baselines.ts) ---

  /** The poll interval while this relay plays the polling baseline, else null. */
  async pollingIntervalMs(): Promise<number | null> {
    if (!benchBaselinesEnabled(this.env)) return null;
    return (await this.ctx.storage.get<number>(POLLING_KEY)) ?? null;
  }

  /** Play the polling baseline (ignore pokes, drain every `intervalMs`), or stop with null. */
  async setPollingBaseline(intervalMs: number | null): Promise<void> {
    if (!benchBaselinesEnabled(this.env)) throw new Error("BENCH_BASELINES_DISABLED");
    if (intervalMs === null) {
      await this.ctx.storage.delete(POLLING_KEY);
      await this.ctx.storage.setAlarm(Date.now());
      return;
    }
    await this.ctx.storage.put(POLLING_KEY, intervalMs);
    await this.ctx.storage.setAlarm(Date.now() + intervalMs);
  }

  // --- Fault injection (only when FAULTS_ENABLED is "true"; see faults/faults.ts) ---

  private faultState: Promise<FaultState | null> | null = null;

  private loadFaults(): Promise<FaultState | null> {
    this.faultState ??= this.ctx.storage.get<FaultState>(FAULTS_KEY).then((state) => state ?? null);
    return this.faultState;
  }

  /** The plan and what it injected so far. */
  async faults(): Promise<FaultReport> {
    const enabled = faultsEnabled(this.env);
    const state = enabled ? await this.loadFaults() : null;
    return { enabled, plan: state?.plan ?? null, injected: { ...(state?.injected ?? {}) } };
  }

  /** Replaces the plan; draws and counters start from zero, so a seed replays its decisions. */
  async setFaults(plan: FaultPlan): Promise<FaultReport> {
    if (!faultsEnabled(this.env)) throw new Error("FAULTS_DISABLED");
    const state: FaultState = { plan, draws: {}, injected: {} };
    this.faultState = Promise.resolve(state);
    await this.ctx.storage.put(FAULTS_KEY, state);
    return this.faults();
  }

  /** Removes the plan: no more faults. */
  async clearFaults(): Promise<FaultReport> {
    this.faultState = Promise.resolve(null);
    await this.ctx.storage.delete(FAULTS_KEY);
    return this.faults();
  }

  /** Whether the active plan can inject `point` at all (lets callers skip a draw per message). */
  async faultArmed(point: FaultPoint): Promise<boolean> {
    if (!faultsEnabled(this.env)) return false;
    return ((await this.loadFaults())?.plan.probabilities[point] ?? 0) > 0;
  }

  /** Draws the next decision of `point` (for the service's other fault points, e.g. its consumer). */
  async injectFault(point: FaultPoint): Promise<boolean> {
    return this.fault(point);
  }

  /** The next decision of `point`: true means inject. No I/O when faults are not enabled. */
  protected async fault(point: FaultPoint): Promise<boolean> {
    if (!faultsEnabled(this.env)) return false;
    const state = await this.loadFaults();
    const probability = state?.plan.probabilities[point] ?? 0;
    if (!state || probability <= 0) return false;
    const hit = this.draw(state, point) < probability;
    if (hit) state.injected[point] = (state.injected[point] ?? 0) + 1;
    await this.ctx.storage.put(FAULTS_KEY, state);
    if (hit) console.warn(JSON.stringify({ level: "warn", msg: "fault injected", point }));
    return hit;
  }

  private draw(state: FaultState, stream: string): number {
    const n = state.draws[stream] ?? 0;
    state.draws[stream] = n + 1;
    return faultRandom(state.plan.seed, stream, n);
  }

  /** Numbers for a fault's own randomness (order, delays), from a stream of its own. */
  private async faultValues(point: FaultPoint, count: number): Promise<number[]> {
    const state = await this.loadFaults();
    if (!state) return Array.from({ length: count }, () => 0);
    const values = Array.from({ length: count }, () => this.draw(state, `${point}#values`));
    await this.ctx.storage.put(FAULTS_KEY, state);
    return values;
  }

  private async sendTimeoutMs(config: RelayConfig): Promise<number> {
    const plan = faultsEnabled(this.env) ? (await this.loadFaults())?.plan : undefined;
    if (plan) return plan.sendTimeoutMs ?? DEFAULT_FAULT_SEND_TIMEOUT_MS;
    return config.sendTimeoutMs ?? 30_000;
  }

  // --- Replay / backfill ---

  /**
   * Re-publishes the retained outbox rows committed at or after `since` whose type `to`
   * subscribes to, to `to`'s queue only, in commit order, in chunks within the send limits,
   * carried on over as many alarm runs as it takes. Only published rows: pending ones reach
   * `to` through the normal drain. Consumers dedupe, so replaying to a live subscriber is safe.
   * A new replay to the same subscriber starts over.
   * @example await relayStub(env.OUTBOX_RELAY).replay({ to: "view", since: 0 })
   */
  async replay(request: { to: string; since: number }): Promise<ReplayAnswer> {
    const { queues } = this.config();
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
    await this.ctx.storage.put(REPLAY_KEY, { ...(await this.replays()), [request.to]: job });
    const scheduled = await this.ctx.storage.getAlarm();
    if (scheduled === null || scheduled > Date.now()) await this.ctx.storage.setAlarm(Date.now());
    return { ok: true, job };
  }

  /** Every replay started, by subscriber, finished or not. */
  async replays(): Promise<Record<string, ReplayJob>> {
    return (await this.ctx.storage.get<Record<string, ReplayJob>>(REPLAY_KEY)) ?? {};
  }

  /** Carries the unfinished replays on within `budget` D1 queries and sends; `more` if any is left. */
  protected async replayStep(config: RelayConfig, budget: number): Promise<{ more: boolean }> {
    const jobs = await this.replays();
    let operations = 0;
    for (const job of Object.values(jobs)) {
      const queue = config.queues[job.to];
      if (job.finishedAt !== null || !queue) continue;
      while (operations < budget && job.finishedAt === null) {
        const { results: rows } = await config.db
          .prepare(
            `SELECT seq, type, body FROM outbox
              WHERE seq > ? AND published_at IS NOT NULL AND created_at >= ? ORDER BY seq LIMIT ?`,
          )
          .bind(job.afterSeq, job.since, PAGE_SIZE)
          .all<PendingRow>();
        operations++;
        const wanted = rows.filter((r) => config.catalog.subscribersOf(r.type).includes(job.to));
        const timeoutMs = await this.sendTimeoutMs(config);
        for (const chunk of chunkForSend(
          wanted,
          config.maxMessagesPerSend ?? 100,
          config.maxBytesPerSend ?? 250_000,
        )) {
          const messages = chunk.map((r) => ({
            body: JSON.parse(r.body),
            contentType: "json" as const,
          }));
          if (job.sent > 0) await this.pauseBetweenSends(config);
          await withTimeout(this.send(queue, messages), timeoutMs, `replay to ${job.to}`);
          operations++;
          job.sent += chunk.length;
        }
        job.afterSeq = rows.at(-1)?.seq ?? job.afterSeq;
        if (rows.length < PAGE_SIZE) job.finishedAt = Date.now();
        // Saved after every page: a crash re-sends at most one page, which consumers dedupe.
        await this.ctx.storage.put(REPLAY_KEY, jobs);
      }
    }
    return { more: Object.values(jobs).some((j) => j.finishedAt === null && config.queues[j.to]) };
  }

  async status(): Promise<RelayStatus> {
    const stored = (await this.ctx.storage.get<RelayStatus>(STATUS_KEY)) ?? emptyStatus;
    return { ...stored, nextAlarmAt: await this.ctx.storage.getAlarm() };
  }

  override async alarm(): Promise<void> {
    const status = await this.status();
    const now = Date.now();
    try {
      if (await this.fault("relay.alarm-fails")) throw new InjectedFault("relay.alarm-fails");
      const config = this.config();
      const { published, more, operations } = await this.drain(config);
      // Live events first: a replay only gets what the drain left of the run's budget.
      const replaying =
        !more && (await this.replayStep(config, (config.operationBudget ?? 800) - operations)).more;
      await this.ctx.storage.put<RelayStatus>(STATUS_KEY, {
        ...status,
        lastRunAt: now,
        lastSuccessAt: Date.now(),
        consecutiveFailures: 0,
        publishedTotal: status.publishedTotal + published,
      });
      const polling = await this.pollingIntervalMs();
      if (polling) await this.ctx.storage.setAlarm(Date.now() + polling);
      else if (more || replaying) await this.ctx.storage.setAlarm(Date.now());
    } catch (error) {
      const failures = status.consecutiveFailures + 1;
      await this.ctx.storage.put<RelayStatus>(STATUS_KEY, {
        ...status,
        lastRunAt: now,
        lastError: errorText(error),
        lastErrorAt: Date.now(),
        consecutiveFailures: failures,
      });
      // Re-arm ourselves instead of throwing: the platform gives up on an alarm after 6 retries.
      await this.ctx.storage.setAlarm(Date.now() + relayBackoffMs(failures));
      console.error(
        JSON.stringify({
          level: "error",
          msg: "outbox relay run failed",
          failures,
          error: errorText(error),
        }),
      );
    }
  }

  /** Publishes pending rows in commit order until none are left or the run's budget is spent. */
  protected async drain(
    config: RelayConfig,
  ): Promise<{ published: number; more: boolean; operations: number }> {
    const budget = config.operationBudget ?? 800;
    let operations = 0;
    let published = 0;
    while (operations < budget) {
      const { results: rows } = await config.db
        .prepare(
          "SELECT seq, type, body FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT ?",
        )
        .bind(PAGE_SIZE)
        .all<PendingRow>();
      operations++;
      if (rows.length === 0) return { published, more: false, operations };
      for (const chunk of chunkForSend(
        rows,
        config.maxMessagesPerSend ?? 100,
        config.maxBytesPerSend ?? 250_000,
      )) {
        if (published > 0) await this.pauseBetweenSends(config);
        operations += await this.sendChunk(config, chunk);
        if (await this.fault("relay.crash-after-send"))
          throw new InjectedFault("relay.crash-after-send");
        await this.markPublished(config.db, chunk);
        operations++;
        published += chunk.length;
      }
      if (rows.length < PAGE_SIZE) return { published, more: false, operations };
    }
    return { published, more: true, operations };
  }

  /** Sends one chunk to every subscriber queue; resolves only when every send resolved. Returns the number of sends. */
  protected async sendChunk(config: RelayConfig, chunk: PendingRow[]): Promise<number> {
    const byService = new Map<string, MessageSendRequest[]>();
    for (const row of chunk) {
      const body = JSON.parse(row.body);
      for (const service of config.catalog.subscribersOf(row.type)) {
        const messages = byService.get(service) ?? [];
        messages.push({ body, contentType: "json" });
        byService.set(service, messages);
      }
    }
    const timeoutMs = await this.sendTimeoutMs(config);
    const sends = [...byService].map(([service, messages]) => {
      const queue = config.queues[service];
      if (!queue) throw new Error(`no queue configured for subscriber "${service}"`);
      return { service, queue, messages };
    });
    // To every subscriber at once; the chunk counts as sent only when every send resolved.
    await Promise.all(
      sends.map(({ service, queue, messages }) =>
        withTimeout(this.publish(queue, messages), timeoutMs, `sendBatch to ${service}`),
      ),
    );
    return sends.length;
  }

  private async pauseBetweenSends(config: RelayConfig): Promise<void> {
    const pause = config.pauseBetweenSendsMs ?? DEFAULT_PAUSE_BETWEEN_SENDS_MS;
    if (pause > 0) await new Promise((r) => setTimeout(r, pause));
  }

  /** One chunk to one queue, through the send fault points. */
  private async publish(queue: Queue, messages: MessageSendRequest[]): Promise<void> {
    if (await this.fault("relay.send-throws")) throw new InjectedFault("relay.send-throws");
    if (await this.fault("relay.send-hangs")) return new Promise<void>(() => {});
    let batch = messages;
    if (await this.fault("relay.shuffle-delay")) {
      const values = await this.faultValues("relay.shuffle-delay", messages.length * 2);
      batch = [...messages];
      for (let i = batch.length - 1; i > 0; i--) {
        const j = Math.floor((values[i] ?? 0) * (i + 1));
        [batch[i], batch[j]] = [batch[j] as MessageSendRequest, batch[i] as MessageSendRequest];
      }
      batch = batch.map((m, i) => ({
        ...m,
        delaySeconds: Math.floor((values[messages.length + i] ?? 0) * 3),
      }));
    }
    await this.send(queue, batch);
    // Twice as its own sendBatch: a doubled batch could break the 100-message limit.
    if (await this.fault("relay.duplicate-delivery")) await this.send(queue, batch);
  }

  /** One `sendBatch` on the wire (after the fault points); a seam for tests. */
  protected send(queue: Queue, messages: MessageSendRequest[]): Promise<void> {
    return queue.sendBatch(messages).then(() => undefined);
  }

  /** Marks a sent chunk published. Safe as a range: seqs only grow, and we read the lowest pending first. */
  protected async markPublished(db: D1Database, chunk: PendingRow[]): Promise<void> {
    const first = chunk[0];
    const last = chunk[chunk.length - 1];
    if (!first || !last) return;
    await db
      .prepare(
        "UPDATE outbox SET published_at = ? WHERE seq BETWEEN ? AND ? AND published_at IS NULL",
      )
      .bind(Date.now(), first.seq, last.seq)
      .run();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => timer && clearTimeout(timer));
}

/** Asks a service's relay to drain now. Never throws: the cron safety net covers a lost poke. */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export async function pokeRelay<T extends OutboxRelay<any>>(
  namespace: DurableObjectNamespace<T>,
): Promise<void> {
  try {
    await relayStub(namespace).poke();
  } catch (error) {
    console.warn(
      JSON.stringify({
        level: "warn",
        msg: "relay poke lost; cron will catch up",
        error: errorText(error),
      }),
    );
  }
}

/** The stub of a service's single relay. */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export function relayStub<T extends OutboxRelay<any>>(
  namespace: DurableObjectNamespace<T>,
): DurableObjectStub<T> {
  return namespace.get(namespace.idFromName("outbox-relay"));
}
