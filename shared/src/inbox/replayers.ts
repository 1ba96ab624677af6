/** What re-applying a stored body did: see `replayDeadLetterBody`. */
export type ReplayResult =
  | { outcome: "applied" | "duplicate"; emitted: number }
  | { outcome: "invalid"; reason: string }
  | { outcome: "failed"; reason: string };

/** Re-applies one stored message body through a consumer's path (validation, handler, inbox dedupe). */
export type Replayer<Env = unknown> = (body: unknown, env: Env) => Promise<ReplayResult>;

// Every consumer created in this Worker, by service: the kit's admin routes replay dead
// letters through it. Filled at module load, so every isolate of the Worker has it.
const replayers = new Map<string, Replayer>();

export function registerReplayer(service: string, replayer: Replayer): void {
  replayers.set(service, replayer);
}

/** The replayer of `service`'s consumer, or the only consumer of this Worker when not named. */
export function inboxReplayer(service?: string): Replayer | undefined {
  if (service) return replayers.get(service);
  return replayers.size === 1 ? [...replayers.values()][0] : undefined;
}
