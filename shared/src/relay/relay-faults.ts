import { env } from "cloudflare:workers";
import {
  DEFAULT_FAULT_SEND_TIMEOUT_MS,
  type FaultPlan,
  type FaultPoint,
  type FaultReport,
  type FaultState,
  faultRandom,
  InjectedFault,
} from "../faults/faults";
import { loggerFor } from "../log/logger";
import type { RelayHooks } from "./relay-hooks";

const FAULTS_KEY = "faults";

/**
 * A relay's fault plan and its seeded draws, kept in the relay's storage: one
 * single-threaded place, so a seed replays the same decisions per point. The relay only
 * creates this when FAULTS_ENABLED is "true"; a plain run never reaches it.
 */
export class RelayFaults {
  private state: Promise<FaultState | null> | null = null;

  constructor(private readonly storage: DurableObjectStorage) {}

  private load(): Promise<FaultState | null> {
    this.state ??= this.storage.get<FaultState>(FAULTS_KEY).then((state) => state ?? null);
    return this.state;
  }

  async report(): Promise<FaultReport> {
    const state = await this.load();
    return {
      enabled: true,
      plan: state?.plan ?? null,
      injected: { ...(state?.injected ?? {}) },
      drawn: { ...(state?.draws ?? {}) },
    };
  }

  /** Replaces the plan; draws and counters start from zero, so a seed replays its decisions. */
  async set(plan: FaultPlan): Promise<FaultReport> {
    const state: FaultState = { plan, draws: {}, injected: {} };
    this.state = Promise.resolve(state);
    await this.storage.put(FAULTS_KEY, state);
    return this.report();
  }

  async clear(): Promise<FaultReport> {
    this.state = Promise.resolve(null);
    await this.storage.delete(FAULTS_KEY);
    return this.report();
  }

  async armed(point: FaultPoint): Promise<boolean> {
    return ((await this.load())?.plan.probabilities[point] ?? 0) > 0;
  }

  /** The next decision of `point`: true means inject. */
  async draw(point: FaultPoint): Promise<boolean> {
    const state = await this.load();
    const probability = state?.plan.probabilities[point] ?? 0;
    if (!state || probability <= 0) return false;
    const hit = next(state, point) < probability;
    if (hit) state.injected[point] = (state.injected[point] ?? 0) + 1;
    await this.storage.put(FAULTS_KEY, state);
    // Counted in the plan's report; one line per hit only when debugging.
    if (hit) loggerFor(env).debug("fault injected", { point });
    return hit;
  }

  /** `count` decisions of `point` at once (one per message), stored once. */
  async drawEach(point: FaultPoint, count: number): Promise<boolean[]> {
    const state = await this.load();
    const probability = state?.plan.probabilities[point] ?? 0;
    if (!state || probability <= 0) return Array.from({ length: count }, () => false);
    const hits = Array.from({ length: count }, () => next(state, point) < probability);
    const injected = hits.filter(Boolean).length;
    if (injected > 0) state.injected[point] = (state.injected[point] ?? 0) + injected;
    await this.storage.put(FAULTS_KEY, state);
    return hits;
  }

  /** The send timeout while a plan is active (a hang costs this long), else `fallback`. */
  async sendTimeoutMs(fallback: number): Promise<number> {
    const plan = (await this.load())?.plan;
    return plan ? (plan.sendTimeoutMs ?? DEFAULT_FAULT_SEND_TIMEOUT_MS) : fallback;
  }

  /** One chunk to one queue through the send fault points: throw, hang, shuffle+delay, lost, twice. */
  async send(
    send: (messages: MessageSendRequest[]) => Promise<void>,
    messages: MessageSendRequest[],
  ): Promise<void> {
    if (await this.draw("relay.send-throws")) throw new InjectedFault("relay.send-throws");
    if (await this.draw("relay.send-hangs")) return new Promise<void>(() => {});
    let batch = messages;
    if (await this.draw("relay.shuffle-delay")) {
      const values = await this.values("relay.shuffle-delay", messages.length * 2);
      batch = [...messages];
      for (let i = batch.length - 1; i > 0; i--) {
        const j = Math.floor((values[i] ?? 0) * (i + 1));
        [batch[i], batch[j]] = [batch[j] as MessageSendRequest, batch[i] as MessageSendRequest];
      }
      batch = batch.map((m, i) => ({
        ...m,
        delaySeconds: Math.floor((values[messages.length + i] ?? 0) * 3),
      }));
    }
    if (await this.armed("broker.drop")) {
      const lost = await this.drawEach("broker.drop", batch.length);
      batch = batch.filter((_, i) => !lost[i]);
      // The send "resolves": nothing tells the relay that the messages never arrive.
      if (batch.length === 0) return;
    }
    await send(batch);
    // Twice as its own sendBatch: a doubled batch could break the 100-message limit.
    if (await this.draw("relay.duplicate-delivery")) await send(batch);
  }

  /** Numbers for a fault's own randomness (order, delays), from a stream of its own. */
  private async values(point: FaultPoint, count: number): Promise<number[]> {
    const state = await this.load();
    if (!state) return Array.from({ length: count }, () => 0);
    const values = Array.from({ length: count }, () => next(state, `${point}#values`));
    await this.storage.put(FAULTS_KEY, state);
    return values;
  }
}

/**
 * The relay's hooks with its fault points: a lost poke, a failing run, a crash after a page
 * was sent, and the send faults. Mounted only when FAULTS_ENABLED is "true".
 */
export function faultHooks(faults: RelayFaults): RelayHooks {
  return {
    pokeLost: () => faults.draw("relay.poke-lost"),
    beforeRun: async () => {
      if (await faults.draw("relay.alarm-fails")) throw new InjectedFault("relay.alarm-fails");
    },
    afterPageSent: async () => {
      if (await faults.draw("relay.crash-after-send"))
        throw new InjectedFault("relay.crash-after-send");
    },
    sendTimeoutMs: (configured) => faults.sendTimeoutMs(configured),
    publish: (send, messages) => faults.send(send, messages),
  };
}

function next(state: FaultState, stream: string): number {
  const n = state.draws[stream] ?? 0;
  state.draws[stream] = n + 1;
  return faultRandom(state.plan.seed, stream, n);
}
