import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { z } from "zod";
import { benchRelay, benchWorker } from "../../../bench/bench-worker";
import type { PollingRelay } from "../../../bench/polling-baseline";
import { kitAdminRoutes } from "../../../src/admin/kit-admin-routes";
import type { Envelope } from "../../../src/envelope";
import { createInboxConsumer, type EventHandler, ordered } from "../../../src/inbox/inbox-consumer";
import { OutboxRelay, pokeRelay, type RelayConfig } from "../../../src/relay/outbox-relay";
import { catalog, type TallyIncremented } from "./catalog";
import { deliveries, refusals, tallies } from "./schema";

type Change = Envelope<z.infer<typeof TallyIncremented.payload>>;

/** A relay whose sends can be made to fail, and which records every sendBatch it makes. */
class FailingRelay extends OutboxRelay<Env> {
  private failNextSends = 0;
  private sendsBeforeFailing = 0;
  private sendDelayMs = 0;
  private budget: number | undefined;
  // Long by default, so no test sees another's re-sends; receipt tests shorten it.
  private receiptTimeout = 600_000;
  private sends: { messages: number; bytes: number; ids: string[] }[] = [];

  protected config(): RelayConfig {
    return {
      db: this.env.DB,
      catalog,
      // The audit queue has no consumer here: it only receives, for tests of fan-out sends.
      queues: Object.fromEntries(
        Object.entries({ tester: this.env.TEST_INBOX, audit: this.env.AUDIT_INBOX }).filter(
          ([service]) => service !== this.unbound,
        ),
      ),
      subscribers: ["tester", "audit"],
      pauseBetweenSendsMs: 1,
      operationBudget: this.budget,
      receiptTimeoutMs: this.receiptTimeout,
    };
  }

  protected override async send(queue: Queue, messages: MessageSendRequest[]): Promise<void> {
    if (this.sendsBeforeFailing > 0) this.sendsBeforeFailing--;
    else if (this.failNextSends > 0) {
      this.failNextSends--;
      throw new Error("injected sendBatch failure");
    }
    if (this.sendDelayMs > 0) await new Promise((r) => setTimeout(r, this.sendDelayMs));
    this.sends.push({
      ids: messages.map((m) => (m.body as { id: string }).id),
      messages: messages.length,
      bytes: new TextEncoder().encode(JSON.stringify(messages.map((m) => m.body))).byteLength,
    });
    await super.send(queue, messages);
  }

  // A subscriber whose queue binding is left out, as if missing from wrangler.toml.
  private unbound: string | null = null;

  /** Leaves `service`'s queue out of the config (null: binds every one again). */
  unbindQueue(service: string | null): void {
    this.unbound = service;
  }

  /** Tests of the disabled path: the relay sees FAULTS_ENABLED unset (or back to "true"). */
  setFaultsEnabled(on: boolean): void {
    (this as unknown as { env: Env }).env = {
      ...this.env,
      FAULTS_ENABLED: on ? "true" : undefined,
    };
  }

  /** Simulates the platform giving up on the alarm (after its retries): none is scheduled. */
  async dropAlarm(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
  }

  /** Caps each run at `operations` D1 queries and sends (undefined: the kit's default). */
  setOperationBudget(operations: number | undefined): void {
    this.budget = operations;
  }

  // dueWork: what it answers next (when it is next due), and how often it ran.
  private nextDueAnswer: number | null = null;
  private dueRuns = 0;

  protected override async dueWork(_now: number): Promise<number | null> {
    this.dueRuns++;
    // One answer per dueWorkNext: a fixed time left in place goes stale and, with files sharing
    // this runtime, would re-run the alarm every second for every later file.
    const at = this.nextDueAnswer ?? Date.now() + 3_600_000;
    this.nextDueAnswer = null;
    return at;
  }

  /** Makes dueWork due at the next run and answer `at` that once; returns its runs so far. */
  dueWorkNext(at: number): number {
    this.nextDueAnswer = at;
    (this as unknown as { dueWorkAt: number | null }).dueWorkAt = 0;
    return this.dueRuns;
  }

  dueWorkRuns(): number {
    return this.dueRuns;
  }

  /** How long an event may go without a receipt before it is sent again. */
  setReceiptTimeout(ms: number): void {
    this.receiptTimeout = ms;
  }

  /** Makes every send take `ms` longer: a run that is still going when the next poke comes. */
  slowSends(ms: number): void {
    this.sendDelayMs = ms;
  }

  /** Makes `count` sends throw, after `after` more have gone through. */
  failSends(count: number, after = 0): void {
    this.failNextSends = count;
    this.sendsBeforeFailing = after;
  }

  sendLog(): { messages: number; bytes: number; ids: string[] }[] {
    return this.sends;
  }

  /** As after the object died mid-run and came back: no run in progress that it knows of. */
  forgetRunInProgress(): void {
    (this as unknown as { running: unknown }).running = null;
  }
}

const addToTally: EventHandler<Env, Change> = (event, { db }) => ({
  statements: [
    db
      .insert(tallies)
      .values({ id: event.payload.tallyId, value: event.payload.by })
      .onConflictDoUpdate({
        target: tallies.id,
        set: { value: sql`${tallies.value} + ${event.payload.by}` },
      }),
  ],
});

export const consume = createInboxConsumer<Env>({
  service: "tester",
  catalog,
  db: (env) => drizzle(env.DB),
  maxAttempts: 3,
  retryDelaySeconds: () => 0,
  afterCommit: (env, events) => pokeRelay(env.RELAY, events),
  // The tester publishes its own events: their receipts come back to its own queue.
  receiptQueue: (env, producer) => (producer === "tester" ? env.TEST_INBOX : undefined),
  handlers: {
    TallyIncremented: addToTally,
    TallyMirrored: addToTally,
    TallyDecremented: (event: Change, { db }) => [
      {
        statements: [
          db
            .update(tallies)
            .set({ value: sql`${tallies.value} - ${event.payload.by}` })
            .where(sql`${tallies.id} = ${event.payload.tallyId}`),
        ],
      },
      {
        statements: [
          db.insert(refusals).values({ eventId: event.id, tallyId: event.payload.tallyId }),
        ],
      },
    ],
    TallyDrained: async (event: Change, { db }) => {
      // A read, so group tests see reads coalesced; the decision does not depend on it.
      await db.select().from(tallies).where(sql`${tallies.id} = ${event.payload.tallyId}`).get();
      return {
        statements: [
          db
            .update(tallies)
            .set({ value: sql`${tallies.value} - ${event.payload.by}` })
            .where(sql`${tallies.id} = ${event.payload.tallyId}`),
        ],
      };
    },
    TallyDoubled: async (event: Envelope<{ tallyId: string }>, { db }) => {
      const { tallyId } = event.payload;
      const row = await db.select().from(tallies).where(sql`${tallies.id} = ${tallyId}`).get();
      const value = (row?.value ?? 0) * 2;
      return {
        statements: [
          db
            .insert(tallies)
            .values({ id: tallyId, value })
            .onConflictDoUpdate({ target: tallies.id, set: { value } }),
        ],
      };
    },
    // Ordered per ledger (ordered-handler.ts): reads the value, so order changes the result.
    LedgerStepped: ordered(async (event: Change, { db }) => {
      const { tallyId, by } = event.payload;
      const row = await db.select().from(tallies).where(sql`${tallies.id} = ${tallyId}`).get();
      const value = (row?.value ?? 0) * 10 + by;
      return {
        statements: [
          db
            .insert(tallies)
            .values({ id: tallyId, value })
            .onConflictDoUpdate({ target: tallies.id, set: { value } }),
        ],
      };
    }),
    PoisonPill: () => {
      throw new Error("poison pill always fails");
    },
  },
});

/** Counts each delivered message by event id (one statement per 50 messages, one batch). */
async function recordDeliveries(batch: MessageBatch): Promise<void> {
  const ids = batch.messages
    .map((m) => (m.body as { id?: unknown } | null)?.id)
    .filter((id): id is string => typeof id === "string");
  if (ids.length === 0) return;
  const db = drizzle(env.DB);
  const statements = [];
  for (let i = 0; i < ids.length; i += 50)
    statements.push(
      db
        .insert(deliveries)
        .values(ids.slice(i, i + 50).map((eventId) => ({ eventId, count: 1 })))
        .onConflictDoUpdate({
          target: deliveries.eventId,
          set: { count: sql`${deliveries.count} + excluded.count` },
        }),
    );
  await db.batch(statements as [(typeof statements)[0], ...typeof statements]);
}

// As defineService wires them: the kit's admin routes at the root here (no "/admin").
const admin = kitAdminRoutes({ d1: (env: Env) => env.DB, relay: (env: Env) => env.RELAY });

const worker = {
  fetch: (request, env, ctx) => admin.fetch(request, env, ctx),
  async queue(batch, env) {
    if (!batch.queue.endsWith("-dlq")) await recordDeliveries(batch);
    await consume(batch, env);
  },
} satisfies ExportedHandler<Env>;

/**
 * The kit's tests run the Worker as a bench entry wraps a service (shared/bench/bench-worker.ts):
 * counted, with the bench routes, while BENCH_BASELINES_ENABLED is "true" (vitest.config.ts).
 */
export default benchWorker<Env>(worker, {
  admin: "/",
  relay: (env) => env.RELAY,
  // The tests run runInDurableObject on relay stubs, which refuses counting proxies.
  countDurableObjectRequests: false,
});
export const TestRelay = benchRelay(FailingRelay);
export type TestRelay = FailingRelay & PollingRelay;
