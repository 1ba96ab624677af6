import { DurableObject } from "cloudflare:workers";
import type { Catalog } from "../catalog";
import { errorText } from "../db/types";
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

const STATUS_KEY = "relay-status";
const PAGE_SIZE = 100;
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

  /** Something was committed: drain now (unless backing off after a failure). */
  async poke(): Promise<void> {
    const status = await this.status();
    const scheduled = await this.ctx.storage.getAlarm();
    if (scheduled !== null && status.consecutiveFailures > 0) return;
    if (scheduled === null || scheduled > Date.now()) await this.ctx.storage.setAlarm(Date.now());
  }

  async status(): Promise<RelayStatus> {
    const stored = (await this.ctx.storage.get<RelayStatus>(STATUS_KEY)) ?? emptyStatus;
    return { ...stored, nextAlarmAt: await this.ctx.storage.getAlarm() };
  }

  override async alarm(): Promise<void> {
    const status = await this.status();
    const now = Date.now();
    try {
      const { published, more } = await this.drain(this.config());
      await this.ctx.storage.put<RelayStatus>(STATUS_KEY, {
        ...status,
        lastRunAt: now,
        lastSuccessAt: Date.now(),
        consecutiveFailures: 0,
        publishedTotal: status.publishedTotal + published,
      });
      if (more) await this.ctx.storage.setAlarm(Date.now());
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
  protected async drain(config: RelayConfig): Promise<{ published: number; more: boolean }> {
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
      if (rows.length === 0) return { published, more: false };
      for (const chunk of chunkForSend(
        rows,
        config.maxMessagesPerSend ?? 100,
        config.maxBytesPerSend ?? 250_000,
      )) {
        operations += await this.sendChunk(config, chunk);
        await this.markPublished(config.db, chunk);
        operations++;
        published += chunk.length;
        if (config.pauseBetweenSendsMs)
          await new Promise((r) => setTimeout(r, config.pauseBetweenSendsMs));
      }
      if (rows.length < PAGE_SIZE) return { published, more: false };
    }
    return { published, more: true };
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
    for (const [service, messages] of byService) {
      const queue = config.queues[service];
      if (!queue) throw new Error(`no queue configured for subscriber "${service}"`);
      await withTimeout(
        this.send(queue, messages),
        config.sendTimeoutMs ?? 30_000,
        `sendBatch to ${service}`,
      );
    }
    return byService.size;
  }

  /** One `sendBatch`; a seam for fault injection in tests. */
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
