import { benchBaselinesEnabled } from "../bench/baselines";
import { ON_DEMAND, type RelaySchedule } from "./relay-hooks";

const POLLING_KEY = "bench-polling-interval-ms";

/**
 * The polling-relay baseline of `npm run bench` (see bench/baselines.ts): while set, the
 * relay ignores pokes and drains every `intervalMs`. Only when BENCH_BASELINES_ENABLED.
 */
export async function pollingIntervalMs(
  env: unknown,
  storage: DurableObjectStorage,
): Promise<number | null> {
  if (!benchBaselinesEnabled(env)) return null;
  return (await storage.get<number>(POLLING_KEY)) ?? null;
}

export async function setPollingInterval(
  env: unknown,
  storage: DurableObjectStorage,
  intervalMs: number | null,
): Promise<void> {
  if (!benchBaselinesEnabled(env)) throw new Error("BENCH_BASELINES_DISABLED");
  if (intervalMs === null) {
    await storage.delete(POLLING_KEY);
    await storage.setAlarm(Date.now());
    return;
  }
  await storage.put(POLLING_KEY, intervalMs);
  await storage.setAlarm(Date.now() + intervalMs);
}

/** The relay's schedule: polling while the baseline is set, else on demand. */
export function relaySchedule(env: unknown, storage: DurableObjectStorage): RelaySchedule {
  if (!benchBaselinesEnabled(env)) return ON_DEMAND;
  return {
    ignoresPokes: async () => Boolean(await pollingIntervalMs(env, storage)),
    nextRun: async (due) => {
      const interval = await pollingIntervalMs(env, storage);
      return interval ? Date.now() + interval : due;
    },
  };
}
