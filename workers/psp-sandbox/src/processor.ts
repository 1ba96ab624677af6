import { DurableObject } from "cloudflare:workers";
import { faultsEnabled } from "@edge-saga/shared";
import type { Operation } from "./api";
import {
  clearFaultPlan,
  drawFaults,
  FAULTS_SCHEMA,
  faultReport,
  NO_FAULT,
  type PspFaultPlan,
  type PspFaultReport,
  setFaultPlan,
} from "./faults";
import {
  type Answer,
  apiError,
  canCancel,
  captureAmount,
  declineFor,
  type IntentStatus,
  isTestCard,
  type LedgerEntry,
  type LedgerKind,
  missing,
  newId,
  noSuchPaymentMethod,
  type PaymentIntent,
  type Refund,
  refundAmount,
  unexpectedState,
} from "./intents";

/** A real processor keeps idempotency keys for 24 hours. */
export const KEY_TTL_MS = 24 * 60 * 60 * 1000;
/** Expired keys deleted per stored answer: a bounded, indexed delete on every write. */
const PRUNE_BATCH = 100;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS intents (
  id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL,
  status TEXT NOT NULL,
  amount INTEGER NOT NULL,
  amount_capturable INTEGER NOT NULL,
  amount_received INTEGER NOT NULL,
  amount_refunded INTEGER NOT NULL,
  currency TEXT NOT NULL,
  customer TEXT,
  payment_method TEXT,
  metadata TEXT NOT NULL,
  last_payment_error TEXT,
  created INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS intents_by_order ON intents (order_id);
CREATE TABLE IF NOT EXISTS ledger (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  intent TEXT NOT NULL,
  order_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  amount INTEGER NOT NULL,
  idempotency_key TEXT,
  at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_by_intent ON ledger (intent, kind);
CREATE INDEX IF NOT EXISTS ledger_by_order ON ledger (order_id);
CREATE INDEX IF NOT EXISTS ledger_by_kind ON ledger (kind, amount);
CREATE TABLE IF NOT EXISTS idempotency (
  key TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS idempotency_by_at ON idempotency (at);
CREATE TABLE IF NOT EXISTS saved_cards (
  customer TEXT PRIMARY KEY,
  payment_method TEXT NOT NULL UNIQUE,
  created INTEGER NOT NULL
);
${FAULTS_SCHEMA}
`;

/** Storage written before intents recorded their customer (a dev state dir) gets the column. */
function addCustomerColumn(sql: SqlStorage): void {
  const columns = sql.exec<{ name: string }>("PRAGMA table_info(intents)").toArray();
  if (!columns.some((column) => column.name === "customer"))
    sql.exec("ALTER TABLE intents ADD COLUMN customer TEXT");
}

type IntentRow = Omit<PaymentIntent, "object" | "metadata" | "last_payment_error"> & {
  order_id: string;
  metadata: string;
  last_payment_error: string | null;
};

export interface PostRequest {
  /** The Idempotency-Key header, or null. */
  key: string | null;
  /** Method, path and canonical body, hashed: what the key must be used with again. */
  fingerprint: string;
  op: Operation;
}

export type Outcome = "committed" | "refused" | "replayed" | "key_in_use" | "injected_error";

/** The answer of a POST, its body as JSON text (the stored answer is that text already). */
export interface PostAnswer {
  status: Answer["status"];
  json: string;
  replayed: boolean;
  outcome: Outcome;
  /** Private to the front: answer this many ms late (psp.timeout-after-commit), or null. */
  hangMs: number | null;
}

export interface LedgerTotals {
  totals: {
    authorized_open: number;
    captured: number;
    refunded: number;
    net: number;
    intents: number;
    declines: number;
  };
  entries: number;
}

export interface OrderIntents {
  order_id: string;
  intents: {
    id: string;
    status: IntentStatus;
    amount: number;
    amount_received: number;
    amount_refunded: number;
    captures: number;
    refunds: number;
    voids: number;
  }[];
}

export interface OrdersPage {
  data: OrderIntents[];
  has_more: boolean;
  next: string | null;
}

const INJECTED_ERROR: Answer = {
  status: 500,
  body: apiError("api_error", "An error occurred with our connection to the processor.", {
    code: "sandbox_injected_error",
  }),
};

/**
 * The processor's books: intents, ledger, idempotency keys and the fault plan, in one SQLite
 * object. Every POST runs in one `transactionSync`, with no await: nothing else runs between
 * its key lookup and its stored answer, and a throw leaves no half-done change.
 */
export class Processor extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
    addCustomerColumn(this.sql);
  }

  post(request: PostRequest): PostAnswer {
    return this.ctx.storage.transactionSync((): PostAnswer => {
      const now = Date.now();
      const fault = faultsEnabled(this.env) ? drawFaults(this.sql) : NO_FAULT;
      // Before the key lookup: a processor that is down answers nothing, not even a replay.
      if (fault.error) {
        const { status, body } = INJECTED_ERROR;
        const json = JSON.stringify(body);
        return { status, json, replayed: false, outcome: "injected_error", hangMs: null };
      }
      const { key, fingerprint } = request;
      const stored = key === null ? undefined : this.storedAnswer(key, now);
      if (stored && stored.fingerprint !== fingerprint) {
        const message = `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`;
        return {
          status: 400,
          json: JSON.stringify(
            apiError("idempotency_error", message, { code: "idempotency_key_in_use" }),
          ),
          replayed: false,
          outcome: "key_in_use",
          hangMs: fault.hangMs,
        };
      }
      if (stored) {
        const { status, body } = stored;
        return {
          status,
          json: body,
          replayed: true,
          outcome: "replayed",
          hangMs: fault.hangMs,
        };
      }
      const { status, body } = this.apply(request.op, key, now);
      const json = JSON.stringify(body);
      if (key !== null) this.storeAnswer(key, fingerprint, status, json, now);
      const outcome = status === 200 ? "committed" : "refused";
      return { status, json, replayed: false, outcome, hangMs: fault.hangMs };
    });
  }

  intent(id: string): PaymentIntent | null {
    return this.loadIntent(id);
  }

  totals(): LedgerTotals {
    const t = this.sql
      .exec<Omit<LedgerTotals["totals"], "net"> & { entries: number }>(
        `SELECT
          (SELECT COALESCE(SUM(amount_capturable), 0) FROM intents WHERE status = 'requires_capture') AS authorized_open,
          (SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE kind = 'capture') AS captured,
          (SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE kind = 'refund') AS refunded,
          (SELECT COUNT(*) FROM intents) AS intents,
          (SELECT COUNT(*) FROM ledger WHERE kind = 'decline') AS declines,
          (SELECT COUNT(*) FROM ledger) AS entries`,
      )
      .one();
    const { entries, ...totals } = t;
    return { totals: { ...totals, net: totals.captured - totals.refunded }, entries };
  }

  /** One page of orders after `startingAfter`, with their intents and ledger counts: one query. */
  orders(limit: number, startingAfter: string | null): OrdersPage {
    const rows = this.sql
      .exec<OrderIntents["intents"][number] & { order_id: string }>(
        `WITH page AS (
          SELECT DISTINCT order_id FROM intents WHERE order_id > ? ORDER BY order_id LIMIT ?
        )
        SELECT i.order_id, i.id, i.status, i.amount, i.amount_received, i.amount_refunded,
          (SELECT COUNT(*) FROM ledger l WHERE l.intent = i.id AND l.kind = 'capture') AS captures,
          (SELECT COUNT(*) FROM ledger l WHERE l.intent = i.id AND l.kind = 'refund') AS refunds,
          (SELECT COUNT(*) FROM ledger l WHERE l.intent = i.id AND l.kind = 'void') AS voids
        FROM page JOIN intents i ON i.order_id = page.order_id
        ORDER BY i.order_id, i.rowid`,
        startingAfter ?? "",
        // One more order than asked: whether there is a next page.
        limit + 1,
      )
      .toArray();
    const data: OrderIntents[] = [];
    for (const { order_id, ...intent } of rows) {
      const last = data.at(-1);
      if (last?.order_id === order_id) last.intents.push(intent);
      else data.push({ order_id, intents: [intent] });
    }
    const hasMore = data.length > limit;
    if (hasMore) data.length = limit;
    return { data, has_more: hasMore, next: hasMore ? (data.at(-1)?.order_id ?? null) : null };
  }

  entries(orderId: string): { data: LedgerEntry[] } {
    const data = this.sql
      .exec<LedgerEntry & Record<string, string | number | null>>(
        "SELECT id, intent, order_id, kind, amount, idempotency_key, at FROM ledger WHERE order_id = ? ORDER BY seq",
        orderId,
      )
      .toArray();
    return { data };
  }

  faults(): PspFaultReport {
    return faultReport(this.sql);
  }

  setFaults(plan: PspFaultPlan): PspFaultReport {
    return setFaultPlan(this.sql, plan);
  }

  clearFaults(): PspFaultReport {
    return clearFaultPlan(this.sql);
  }

  /** The state change a POST asks for, with its ledger entry; or the refusal (400, 402, 404). */
  private apply(op: Operation, key: string | null, now: number): Answer {
    switch (op.kind) {
      case "authorize": {
        const { amount, currency, customer = null, payment_method: given, metadata } = op.body;
        if (given !== undefined && !this.mayCharge(given, customer))
          return noSuchPaymentMethod(given);
        // No method: the customer's saved card (the body names one or the other).
        const payment_method = given ?? (customer === null ? null : this.savedCard(customer, now));
        const decline = declineFor(payment_method);
        const intent: PaymentIntent = {
          id: newId("pi"),
          object: "payment_intent",
          status: decline ? "requires_payment_method" : "requires_capture",
          amount,
          // A declined card holds nothing.
          amount_capturable: decline ? 0 : amount,
          amount_received: 0,
          amount_refunded: 0,
          currency,
          customer,
          payment_method,
          metadata,
          last_payment_error: decline,
          created: Math.floor(now / 1000),
        };
        this.sql.exec(
          `INSERT INTO intents (id, order_id, status, amount, amount_capturable, amount_received,
            amount_refunded, currency, customer, payment_method, metadata, last_payment_error,
            created)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          intent.id,
          metadata.order_id,
          intent.status,
          intent.amount,
          intent.amount_capturable,
          0,
          0,
          currency,
          customer,
          intent.payment_method,
          JSON.stringify(metadata),
          decline ? JSON.stringify(decline) : null,
          intent.created,
        );
        this.record(intent, decline ? "decline" : "authorization", amount, key, now);
        if (!decline) return { status: 200, body: intent };
        return { status: 402, body: { error: { ...decline, payment_intent: intent } } };
      }
      case "capture": {
        const intent = this.loadIntent(op.intent);
        if (!intent) return missing("payment_intent", op.intent);
        const amount = captureAmount(intent, op.body.amount_to_capture);
        if (typeof amount !== "number") return amount;
        // What is not captured is released, as a real processor does.
        const patch = {
          status: "succeeded",
          amount_capturable: 0,
          amount_received: amount,
        } as const;
        return { status: 200, body: this.change(intent, patch, "capture", amount, key, now) };
      }
      case "cancel": {
        const intent = this.loadIntent(op.intent);
        if (!intent) return missing("payment_intent", op.intent);
        if (!canCancel(intent.status)) return unexpectedState(intent, "cancel");
        const held = intent.amount_capturable;
        const patch = { status: "canceled", amount_capturable: 0 } as const;
        return { status: 200, body: this.change(intent, patch, "void", held, key, now) };
      }
      case "refund": {
        const intent = this.loadIntent(op.body.payment_intent);
        if (!intent) return missing("payment_intent", op.body.payment_intent);
        const amount = refundAmount(intent, op.body.amount);
        if (typeof amount !== "number") return amount;
        // The refund's ledger entry has the refund's own id, so a trace ties the two.
        const id = newId("re");
        const patch = { amount_refunded: intent.amount_refunded + amount };
        this.change(intent, patch, "refund", amount, key, now, id);
        const refund: Refund = {
          id,
          object: "refund",
          status: "succeeded",
          amount,
          payment_intent: intent.id,
          created: Math.floor(now / 1000),
        };
        return { status: 200, body: refund };
      }
    }
  }

  /** Updates an intent and appends its ledger entry; returns the intent as it is now. */
  private change(
    intent: PaymentIntent,
    patch: Partial<PaymentIntent>,
    kind: LedgerKind,
    amount: number,
    key: string | null,
    now: number,
    entryId = newId("txn"),
  ): PaymentIntent {
    const next = { ...intent, ...patch };
    this.sql.exec(
      `UPDATE intents SET status = ?, amount_capturable = ?, amount_received = ?, amount_refunded = ?
      WHERE id = ?`,
      next.status,
      next.amount_capturable,
      next.amount_received,
      next.amount_refunded,
      next.id,
    );
    this.record(next, kind, amount, key, now, entryId);
    return next;
  }

  private record(
    intent: PaymentIntent,
    kind: LedgerKind,
    amount: number,
    key: string | null,
    now: number,
    id = newId("txn"),
  ): void {
    this.sql.exec(
      "INSERT INTO ledger (id, intent, order_id, kind, amount, idempotency_key, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      id,
      intent.id,
      intent.metadata.order_id,
      kind,
      amount,
      key,
      now,
    );
  }

  /** A test card pays for anyone, a saved card only for its own customer; nothing else pays. */
  private mayCharge(method: string, customer: string | null): boolean {
    if (isTestCard(method)) return true;
    const owner = this.sql
      .exec<{ customer: string }>(
        "SELECT customer FROM saved_cards WHERE payment_method = ?",
        method,
      )
      .toArray()[0]?.customer;
    return owner !== undefined && owner === customer;
  }

  /** The customer's one saved card (it approves), recorded the first time she is charged. */
  private savedCard(customer: string, now: number): string {
    const saved = this.sql
      .exec<{ payment_method: string }>(
        "SELECT payment_method FROM saved_cards WHERE customer = ?",
        customer,
      )
      .toArray()[0];
    if (saved) return saved.payment_method;
    const method = newId("pm");
    this.sql.exec(
      "INSERT INTO saved_cards (customer, payment_method, created) VALUES (?, ?, ?)",
      customer,
      method,
      Math.floor(now / 1000),
    );
    return method;
  }

  private loadIntent(id: string): PaymentIntent | null {
    const row = this.sql.exec<IntentRow>("SELECT * FROM intents WHERE id = ?", id).toArray()[0];
    if (!row) return null;
    const { order_id: _orderId, metadata, last_payment_error, ...rest } = row;
    return {
      ...rest,
      object: "payment_intent",
      metadata: JSON.parse(metadata),
      last_payment_error: last_payment_error ? JSON.parse(last_payment_error) : null,
    } as PaymentIntent;
  }

  private storedAnswer(key: string, now: number) {
    // An expired key is as good as absent (its row is replaced); pruning only frees the space.
    return this.sql
      .exec<{ fingerprint: string; status: Answer["status"]; body: string }>(
        "SELECT fingerprint, status, body FROM idempotency WHERE key = ? AND at > ?",
        key,
        now - KEY_TTL_MS,
      )
      .toArray()[0];
  }

  private storeAnswer(
    key: string,
    fingerprint: string,
    status: Answer["status"],
    json: string,
    now: number,
  ): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO idempotency (key, fingerprint, status, body, at) VALUES (?, ?, ?, ?, ?)",
      key,
      fingerprint,
      status,
      json,
      now,
    );
    this.sql.exec(
      "DELETE FROM idempotency WHERE key IN (SELECT key FROM idempotency WHERE at <= ? ORDER BY at LIMIT ?)",
      now - KEY_TTL_MS,
      PRUNE_BATCH,
    );
  }
}
