/**
 * The bare relay of `npm run bench`: the same job as the kit's OutboxRelay (SELECT the next
 * 100 pending rows by the partial index -> one sendBatch -> UPDATE the range published), with
 * no Durable Object, no framework and no status bookkeeping, timed inside the Worker.
 *
 * - POST /setup: creates the table and its partial index (idempotent), empties the table
 * - POST /seed?n=N: inserts N pending rows of an envelope-sized body
 * - POST /drain?pauseMs=P&maxPages=M: drains up to M pages; answers { events, ms, more }
 * - GET /explain: EXPLAIN QUERY PLAN of the SELECT
 */

interface Env {
  DB: D1Database;
  QUEUE: Queue;
}

const SELECT = "SELECT seq, body FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT 100";

const BODY = JSON.stringify({
  id: "01a211d5-3b2c-74f5-9dd5-0a1e4ac30827",
  type: "StockReservationFailed",
  version: 1,
  source: "inventory",
  aggregateType: "order",
  aggregateId: "01a211d5-3b14-7646-8599-8d82287acee7",
  sequence: 0,
  occurredAt: "2026-11-25T08:31:56.692Z",
  correlationId: "01a211d5-3b14-7646-8599-8d82287acee7",
  causationId: "bench",
  payload: { orderId: "01a211d5-3b14-7646-8599-8d82287acee7", reason: "OUT_OF_STOCK", skus: [] },
});

const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const int = (name: string, fallback: number) => {
      const n = Number(url.searchParams.get(name) ?? fallback);
      return Number.isInteger(n) && n >= 0 ? n : fallback;
    };
    try {
      if (request.method === "GET" && url.pathname === "/") return json({ ok: true });
      if (request.method === "POST" && url.pathname === "/setup") {
        await env.DB.batch([
          env.DB.prepare(
            "CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL, published_at INTEGER)",
          ),
          env.DB.prepare(
            "CREATE INDEX IF NOT EXISTS outbox_pending_idx ON outbox (seq) WHERE published_at IS NULL",
          ),
          env.DB.prepare("DELETE FROM outbox"),
        ]);
        return json({ ok: true });
      }
      if (request.method === "POST" && url.pathname === "/seed") {
        const n = int("n", 1000);
        await env.DB.prepare(
          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) INSERT INTO outbox (body) SELECT ? FROM n",
        )
          .bind(n, BODY)
          .run();
        return json({ seeded: n });
      }
      if (request.method === "POST" && url.pathname === "/drain") {
        const pauseMs = int("pauseMs", 0);
        const maxPages = int("maxPages", 200);
        const started = Date.now();
        let events = 0;
        for (let page = 0; page < maxPages; page++) {
          const { results } = await env.DB.prepare(SELECT).all<{ seq: number; body: string }>();
          const first = results[0];
          const last = results.at(-1);
          if (!first || !last) return json({ events, ms: Date.now() - started, more: false });
          await env.QUEUE.sendBatch(
            results.map((row) => ({ body: JSON.parse(row.body), contentType: "json" as const })),
          );
          await env.DB.prepare(
            "UPDATE outbox SET published_at = ? WHERE seq BETWEEN ? AND ? AND published_at IS NULL",
          )
            .bind(Date.now(), first.seq, last.seq)
            .run();
          events += results.length;
          if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
        }
        return json({ events, ms: Date.now() - started, more: true });
      }
      if (request.method === "GET" && url.pathname === "/explain") {
        const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${SELECT}`).all();
        return json({ sql: SELECT, plan: results });
      }
      return json({ error: { code: "NOT_FOUND", message: "no such route" } }, 404);
    } catch (error) {
      return json({ error: { code: "INTERNAL", message: String(error) } }, 500);
    }
  },
  async queue(batch: MessageBatch): Promise<void> {
    batch.ackAll();
  },
} satisfies ExportedHandler<Env>;
