import type { Context, Env, MiddlewareHandler } from "hono";
import { criteriaOn, type DeadLetterFilter } from "../dead-letters/bulk-filter";
import { discardDeadLetters, replayDeadLetter } from "../dead-letters/replay-dead-letter";
import { newId } from "../envelope";
import { type Caller, callerOf } from "../http/caller";
import { contractRoutes } from "../http/contract-routes";
import { HttpError } from "../http/errors";
import { keysetPage } from "../http/keyset-page";
import { inboxReplayer, type Replayer } from "../inbox/replayers";
import type { OutboxRelay } from "../relay/outbox-relay";
import { type KitAdminOptions, refuse } from "./admin-options";
import { deadLetterRouteDefinitions as routes } from "./admin-route-definitions";
import {
  type AdminShard,
  adminShards,
  deadLetterIdOf,
  mergeByTime,
  parseDeadLetterId,
} from "./admin-shards";
import {
  auditPage,
  countOpenMatches,
  type MatchKey,
  openMatches,
  recordAudit,
} from "./dead-letter-queries";
import { BULK_DEAD_LETTER_LIMITS, BULK_SAMPLE_SIZE } from "./dead-letter-schemas";

/** Rows read (and, for discard, resolved by one statement) at a time. */
const CHUNK = 50;
const AUDIT_PAGE_MAX = 100;

type Action = "replay" | "discard";
type Failure = { id: string; code: string; message: string };

/**
 * Dead letters in bulk: replay or discard every open one a filter matches (a dry run only
 * counts and shows a sample), on every shard, each action recorded in `dead_letter_audit` with
 * the admin token's fingerprint; and that audit, newest first. The audit lives on shard 0: one
 * row per action of the service, whichever shards it touched.
 */
export function deadLetterBulkRoutes<
  E extends object,
  // biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
  T extends OutboxRelay<any> = OutboxRelay<any>,
>(options: KitAdminOptions<E, T>) {
  type C = Context<{ Bindings: E } & Env>;
  const bulk = async (
    c: C,
    action: Action,
    input: { filter: DeadLetterFilter; dryRun: boolean },
    replayer?: Replayer<E>,
  ) => {
    const caller = callerOf(c) as Caller & { role: "admin" };

    const shards = adminShards(options, c.env);
    const locate = (id: string) => parseDeadLetterId(id, shards.length);
    const on = shards
      .map((shard) => ({ shard, criteria: criteriaOn(input.filter, shard.shard, locate) }))
      .filter((s): s is { shard: AdminShard<E, T>; criteria: NonNullable<typeof s.criteria> } =>
        Boolean(s.criteria),
      );
    const [counts, samples] = await Promise.all([
      Promise.all(on.map(({ shard, criteria }) => countOpenMatches(shard.d1, criteria))),
      Promise.all(
        on.map(async ({ shard, criteria }) =>
          (await openMatches(shard.d1, criteria, null, BULK_SAMPLE_SIZE)).map((row) => ({
            ...row,
            id: deadLetterIdOf(shard.shard, row.id),
          })),
        ),
      ),
    ]);
    const matched = counts.reduce((a, b) => a + b, 0);
    const sample = mergeByTime(samples, (row) => row.receivedAt).slice(0, BULK_SAMPLE_SIZE);
    const answer = { action, dryRun: input.dryRun, matched, sample };
    if (input.dryRun)
      return c.json({ ...answer, resolved: 0, failed: [], untried: 0, auditId: null }, 200);

    // Oldest first, shard by shard, in chunks, until the call's limit: a replay runs the
    // handler (several queries each) and a Worker invocation may make 1,000 D1 queries.
    let budget: number = BULK_DEAD_LETTER_LIMITS[action];
    let resolved = 0;
    let tried = 0;
    const failed: Failure[] = [];
    for (const { shard, criteria } of on) {
      let after: MatchKey | null = null;
      while (budget > 0) {
        const rows = await openMatches(shard.d1, criteria, after, Math.min(CHUNK, budget));
        if (rows.length === 0) break;
        const last = rows[rows.length - 1] as MatchKey;
        after = { receivedAt: last.receivedAt, id: last.id };
        budget -= rows.length;
        tried += rows.length;
        if (action === "discard") {
          resolved += await discardDeadLetters(
            shard.d1,
            rows.map((row) => row.id),
          );
          continue;
        }
        for (const row of rows) {
          const result = await replayDeadLetter(shard.d1, row, shard.env, replayer as Replayer<E>);
          if (result.resolved) resolved++;
          else
            failed.push({
              id: deadLetterIdOf(shard.shard, row.id),
              code: result.code,
              message: result.message,
            });
        }
      }
    }
    const auditId = newId();
    const home = shards[0] as AdminShard<E, T>;
    await recordAudit(home.d1, {
      id: auditId,
      at: Date.now(),
      actor: caller.actor ?? "unknown",
      action,
      filter: JSON.stringify(input.filter),
      count: resolved,
    });
    return c.json(
      { ...answer, resolved, failed, untried: Math.max(0, matched - tried), auditId },
      200,
    );
  };

  const app = contractRoutes<{ Bindings: E } & Env>();
  // Who acts before what: no admin caller, 401/403 before the body is even read.
  app.use(routes.bulkReplayDeadLetters.path, adminOnly);
  app.use(routes.bulkDiscardDeadLetters.path, adminOnly);
  return app
    .openapi(routes.bulkReplayDeadLetters, (c) => {
      const replayer = (options.replayer ?? inboxReplayer()) as Replayer<E> | undefined;
      if (!replayer)
        return refuse(c, 501, "NO_CONSUMER", "this Worker has no inbox consumer to replay through");
      return bulk(c, "replay", c.req.valid("json"), replayer);
    })
    .openapi(routes.bulkDiscardDeadLetters, (c) => bulk(c, "discard", c.req.valid("json")))
    .openapi(routes.getDeadLetterAudit, async (c) => {
      const { after, limit } = keysetPage(c.req.url, AUDIT_PAGE_MAX);
      const home = adminShards(options, c.env)[0] as AdminShard<E, T>;
      const rows = await auditPage(home.d1, after, limit);
      const audit = rows.map((row) => ({ ...row, filter: JSON.parse(row.filter) }));
      const next = rows.length === limit ? (rows[rows.length - 1]?.id ?? null) : null;
      return c.json({ audit, next }, 200);
    });
}

/** Only an admin, as the gateway verified (its caller header): 401 without one, 403 for a customer. */
const adminOnly: MiddlewareHandler = async (c, next) => {
  if (callerOf(c).role !== "admin") throw new HttpError(403, "FORBIDDEN", "admin only");
  await next();
};
