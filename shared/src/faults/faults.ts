import { z } from "zod";

/**
 * Fault injection for chaos runs and tests. Off unless the Worker's env var
 * `FAULTS_ENABLED` is exactly "true" (nothing sets it in any wrangler.toml; the deploy
 * script refuses a config that does). Off, every check is a no-op without I/O.
 *
 * The plan and the per-point draw counters live in the service's relay Durable Object:
 * one single-threaded place, so a seed replays the same sequence of decisions per point.
 */
export const FAULT_POINTS = [
  /** pokeRelay after commit silently does nothing (a crash right after the commit). */
  "relay.poke-lost",
  /** sendBatch throws. */
  "relay.send-throws",
  /** sendBatch never settles: the relay's send timeout fires. */
  "relay.send-hangs",
  /** Rows sent, then the run throws before marking them: duplicates on the wire. */
  "relay.crash-after-send",
  /** Each message of a send is sent twice. */
  "relay.duplicate-delivery",
  /** A send's messages are shuffled and sent with random delays (0-2 s). */
  "relay.shuffle-delay",
  /** The alarm run fails before doing anything. */
  "relay.alarm-fails",
  /** The consumer's batch committed, then it throws before ack: redelivery. */
  "consumer.throw-after-commit",
  /**
   * The broker loses a message: its send resolves, it never arrives (the local broker's
   * process died, a queue was purged). Drawn per message; only receipts heal it.
   */
  "broker.drop",
] as const;

export type FaultPoint = (typeof FAULT_POINTS)[number];

/** Send timeout while a plan is active, unless the plan says otherwise (a hang costs this long). */
export const DEFAULT_FAULT_SEND_TIMEOUT_MS = 2_000;

export const FaultPlanSchema = z
  .object({
    seed: z.number().int(),
    probabilities: z.partialRecord(z.enum(FAULT_POINTS), z.number().min(0).max(1)),
    /** Optional: the relay's send timeout while this plan is active (default 2 s). */
    sendTimeoutMs: z.number().int().min(10).max(120_000).optional(),
  })
  .strict();

export type FaultPlan = z.infer<typeof FaultPlanSchema>;

export interface FaultReport {
  enabled: boolean;
  plan: FaultPlan | null;
  /** Faults injected since the plan was set, by point. */
  injected: Partial<Record<FaultPoint, number>>;
  /** Decisions drawn since the plan was set, by point (injected or not). */
  drawn?: Partial<Record<FaultPoint, number>>;
}

/** True only when the Worker's env has `FAULTS_ENABLED` exactly "true". */
export function faultsEnabled(env: unknown): boolean {
  return (
    typeof env === "object" &&
    env !== null &&
    (env as { FAULTS_ENABLED?: unknown }).FAULTS_ENABLED === "true"
  );
}

function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The `draw`-th number in [0, 1) of `point`'s stream under `seed`: a counter-based
 * generator (splitmix32-style mixing), so a stream is replayed from the seed and a count.
 */
export function faultRandom(seed: number, point: string, draw: number): number {
  let x = (Math.imul(seed | 0, 0x9e3779b1) ^ hash32(point) ^ Math.imul(draw + 1, 0x85ebca6b)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  x ^= x >>> 15;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  x ^= x >>> 16;
  return (x >>> 0) / 4_294_967_296;
}

/** The plan and its progress, as the relay stores it. */
export interface FaultState {
  plan: FaultPlan;
  /** Numbers drawn so far, by point. */
  draws: Record<string, number>;
  injected: Partial<Record<FaultPoint, number>>;
}

/** Error thrown by an injected fault; its message names the point. */
export class InjectedFault extends Error {
  constructor(readonly point: FaultPoint) {
    super(`injected fault ${point}`);
    this.name = "InjectedFault";
  }
}
