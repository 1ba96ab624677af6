import type { OutboxRelay } from "../src/relay/outbox-relay";
import type { RelaySchedule } from "../src/relay/relay-hooks";

const POLLING_KEY = "bench-polling-interval-ms";

/**
 * The polling-relay baseline of `npm run bench` (baselines.ts): while an interval is set, the
 * relay ignores pokes and drains every `intervalMs`. Kept in the relay's storage.
 */
export async function pollingIntervalMs(storage: DurableObjectStorage): Promise<number | null> {
  return (await storage.get<number>(POLLING_KEY)) ?? null;
}

export async function setPollingInterval(
  storage: DurableObjectStorage,
  intervalMs: number | null,
): Promise<void> {
  if (intervalMs === null) {
    await storage.delete(POLLING_KEY);
    await storage.setAlarm(Date.now());
    return;
  }
  await storage.put(POLLING_KEY, intervalMs);
  await storage.setAlarm(Date.now() + intervalMs);
}

/** The relay's schedule: polling while `interval()` is set, else on demand (`due`). */
export function pollingSchedule(interval: () => Promise<number | null>): RelaySchedule {
  return {
    ignoresPokes: async () => Boolean(await interval()),
    nextRun: async (due) => {
      const every = await interval();
      return every ? Date.now() + every : due;
    },
  };
}

/** What the bench routes call on a relay of the bench entry (`pollingRelay`). */
export interface PollingRelay {
  pollingIntervalMs(): Promise<number | null>;
  setPollingBaseline(intervalMs: number | null): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its constructor
type RelayClass = abstract new (...args: any[]) => OutboxRelay<any>;

/**
 * `Relay` (a service's relay class) with the polling baseline: its schedule comes from
 * `pollingSchedule`, and two RPC methods set and read the interval. Only a bench entry uses it.
 * @example export const OutboxRelay = pollingRelay(service.OutboxRelay);
 */
export function pollingRelay<T extends RelayClass>(
  Relay: T,
): T & (new (...args: never[]) => PollingRelay) {
  abstract class Polling extends Relay implements PollingRelay {
    /** The interval as stored, read once: every poke asks, and only this object changes it. */
    private interval: Promise<number | null> | undefined;

    protected override schedule(): RelaySchedule {
      return pollingSchedule(() => this.pollingIntervalMs());
    }

    /** The poll interval while this relay plays the polling baseline, else null. */
    async pollingIntervalMs(): Promise<number | null> {
      this.interval ??= pollingIntervalMs(this.ctx.storage);
      return this.interval;
    }

    /** Play the polling baseline (ignore pokes, drain every `intervalMs`), or stop with null. */
    async setPollingBaseline(intervalMs: number | null): Promise<void> {
      this.interval = undefined;
      await setPollingInterval(this.ctx.storage, intervalMs);
    }
  }
  return Polling as unknown as T & (new (...args: never[]) => PollingRelay);
}
