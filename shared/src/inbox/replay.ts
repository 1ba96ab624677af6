import type { Catalog } from "../catalog";
import { errorText } from "../db/types";
import type { Envelope } from "../envelope";
import type { Applied } from "./consumer-types";
import { decodeMessage } from "./decode";
import type { ReplayResult } from "./replayers";

/**
 * Re-applies one stored body (a dead letter) through the consumer's path: decode, handler,
 * inbox dedupe, so an event applied meanwhile (or replayed twice) is not applied again.
 * A replay counts as a first delivery; its dead letter in the trace tells what came before.
 */
export async function replayBody<Env>(
  body: unknown,
  env: Env,
  {
    catalog,
    service,
    consumes,
    applyAlone,
    afterCommit,
  }: {
    catalog: Pick<Catalog, "parse">;
    service: string;
    consumes: (type: string) => boolean;
    applyAlone: (event: Envelope) => Promise<Applied>;
    afterCommit?: (env: Env, events: Envelope[], committed?: { effects: boolean }) => Promise<void>;
  },
): Promise<ReplayResult> {
  const decoded = decodeMessage(body, { catalog, service, consumes });
  if (decoded.kind === "receipt") return { outcome: "invalid", reason: "a receipt, not an event" };
  if (decoded.kind === "dead-letter") return { outcome: "invalid", reason: decoded.reason };
  try {
    const result = await applyAlone(decoded.event);
    if ((result.events.length > 0 || result.effects) && afterCommit)
      await afterCommit(env, result.events, { effects: result.effects ?? false });
    return { outcome: result.outcome, emitted: result.events.length };
  } catch (error) {
    return { outcome: "failed", reason: errorText(error) };
  }
}
