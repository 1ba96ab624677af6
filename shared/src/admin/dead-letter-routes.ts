import type { Env } from "hono";
import { discardDeadLetters, replayDeadLetter } from "../dead-letters/replay-dead-letter";
import { contractRoutes } from "../http/contract-routes";
import { inboxReplayer, type Replayer } from "../inbox/replayers";
import type { OutboxRelay } from "../relay/outbox-relay";
import { type KitAdminOptions, refuse } from "./admin-options";
import { deadLetterRouteDefinitions as routes } from "./admin-route-definitions";
import {
  adminShards,
  deadLetterIdOf,
  mergeByTime,
  onEveryShard,
  parseDeadLetterId,
} from "./admin-shards";
import { deadLetterBulkRoutes } from "./dead-letter-bulk-routes";
import { deadLetterById, listDeadLetters } from "./dead-letter-queries";

/**
 * Dead letters for an operator: list them, replay one through the consumer, or discard it; over
 * every shard, each id naming the shard that stored it (`deadLetterIdOf`). In bulk, by filter,
 * with an audit: dead-letter-bulk-routes.ts.
 */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export function deadLetterRoutes<E extends object, T extends OutboxRelay<any> = OutboxRelay<any>>(
  options: KitAdminOptions<E, T>,
) {
  const resolvedAlready = (id: string, resolution: string | null) =>
    [409, "ALREADY_RESOLVED", `dead letter ${id} was ${resolution}`] as const;
  /** The shard an admin id names (`deadLetterIdOf`), with its stored id; null: no such shard. */
  const located = (env: E, id: string) => {
    const shards = adminShards(options, env);
    const at = parseDeadLetterId(id, shards.length);
    const shard = at && shards[at.shard];
    return at && shard ? { ...shard, stored: at.id } : null;
  };
  return (
    contractRoutes<{ Bindings: E } & Env>()
      // The newest 100 of every shard together; on several shards each names its shard.
      .openapi(routes.listDeadLetters, async (c) => {
        const { status } = c.req.valid("query");
        const parts = await onEveryShard(adminShards(options, c.env), async ({ shard, d1 }) =>
          (await listDeadLetters(d1, status)).map((row) => ({
            ...row,
            id: deadLetterIdOf(shard, row.id),
          })),
        );
        const deadLetters = mergeByTime(parts, (row) => row.receivedAt, "desc").slice(0, 100);
        return c.json({ deadLetters }, 200);
      })
      // Re-applies the stored body through the consumer's own path, on the shard that stored
      // it: validation, handler and inbox dedupe, so an event applied meanwhile (or replayed
      // twice) is not applied again.
      .openapi(routes.replayDeadLetter, async (c) => {
        const { id } = c.req.valid("param");
        const at = located(c.env, id);
        const row = at && (await deadLetterById(at.d1, at.stored));
        if (!at || !row) return refuse(c, 404, "NOT_FOUND", `no dead letter ${id}`);
        if (row.resolvedAt !== null) return refuse(c, ...resolvedAlready(id, row.resolution));
        const replayer = (options.replayer ?? inboxReplayer()) as Replayer<E> | undefined;
        if (!replayer)
          return refuse(
            c,
            501,
            "NO_CONSUMER",
            "this Worker has no inbox consumer to replay through",
          );
        const result = await replayDeadLetter(
          at.d1,
          { id: at.stored, body: row.body, queue: row.queue, messageId: row.messageId },
          at.env,
          replayer,
        );
        if (!result.resolved)
          return result.code === "INVALID_MESSAGE"
            ? refuse(c, 422, result.code, result.message)
            : refuse(c, 409, result.code, result.message);
        return c.json({ id, resolution: "replayed" as const, outcome: result.outcome }, 200);
      })
      .openapi(routes.discardDeadLetter, async (c) => {
        const { id } = c.req.valid("param");
        const at = located(c.env, id);
        if (!at) return refuse(c, 404, "NOT_FOUND", `no dead letter ${id}`);
        if ((await discardDeadLetters(at.d1, [at.stored])) === 1)
          return c.json({ id, resolution: "discarded" as const }, 200);
        const row = await deadLetterById(at.d1, at.stored);
        if (!row) return refuse(c, 404, "NOT_FOUND", `no dead letter ${id}`);
        return refuse(c, ...resolvedAlready(id, row.resolution));
      })
      .route("/", deadLetterBulkRoutes(options))
  );
}
