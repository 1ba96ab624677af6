import type { Env } from "hono";
import { resolveDeadLetter } from "../dead-letters/dead-letters";
import { contractRoutes } from "../http/contract-routes";
import { inboxReplayer, type Replayer } from "../inbox/replayers";
import type { OutboxRelay } from "../relay/outbox-relay";
import { type KitAdminOptions, refuse } from "./admin-options";
import { deadLetterRouteDefinitions as routes } from "./admin-route-definitions";
import { deadLetterById, listDeadLetters } from "./dead-letter-queries";

/** Dead letters for an operator: list them, replay one through the consumer, or discard it. */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export function deadLetterRoutes<E extends object, T extends OutboxRelay<any> = OutboxRelay<any>>(
  options: KitAdminOptions<E, T>,
) {
  const resolvedAlready = (id: string, resolution: string | null) =>
    [409, "ALREADY_RESOLVED", `dead letter ${id} was ${resolution}`] as const;
  return (
    contractRoutes<{ Bindings: E } & Env>()
      .openapi(routes.listDeadLetters, async (c) =>
        c.json(
          { deadLetters: await listDeadLetters(options.d1(c.env), c.req.valid("query").status) },
          200,
        ),
      )
      // Re-applies the stored body through the consumer's own path: validation, handler and
      // inbox dedupe, so an event applied meanwhile (or replayed twice) is not applied again.
      .openapi(routes.replayDeadLetter, async (c) => {
        const d1 = options.d1(c.env);
        const { id } = c.req.valid("param");
        const row = await deadLetterById(d1, id);
        if (!row) return refuse(c, 404, "NOT_FOUND", `no dead letter ${id}`);
        if (row.resolvedAt !== null) return refuse(c, ...resolvedAlready(id, row.resolution));
        const replayer = (options.replayer ?? inboxReplayer()) as Replayer<E> | undefined;
        if (!replayer)
          return refuse(
            c,
            501,
            "NO_CONSUMER",
            "this Worker has no inbox consumer to replay through",
          );
        const result = await replayer(row.body, c.env);
        if (result.outcome === "invalid")
          return refuse(c, 422, "INVALID_MESSAGE", `still invalid: ${result.reason}`);
        if (result.outcome === "failed")
          return refuse(c, 409, "REPLAY_FAILED", `handler failed: ${result.reason}`);
        // Applied or already applied: either way the event has had its effect exactly once.
        await resolveDeadLetter(d1, id, "replayed");
        return c.json({ id, resolution: "replayed" as const, outcome: result.outcome }, 200);
      })
      .openapi(routes.discardDeadLetter, async (c) => {
        const d1 = options.d1(c.env);
        const { id } = c.req.valid("param");
        if (await resolveDeadLetter(d1, id, "discarded"))
          return c.json({ id, resolution: "discarded" as const }, 200);
        const row = await deadLetterById(d1, id);
        if (!row) return refuse(c, 404, "NOT_FOUND", `no dead letter ${id}`);
        return refuse(c, ...resolvedAlready(id, row.resolution));
      })
  );
}
