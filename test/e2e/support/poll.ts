// No import of the shared stack's client here: files that start their own stacks poll too.

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns something other than `undefined`.
 * @example const order = await poll(async () => ..., { what: "order confirmed" });
 */
export async function poll<T>(
  probe: () => Promise<T | undefined>,
  options: { what: string; timeoutMs?: number; intervalMs?: number; last?: () => string },
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${options.what}${options.last ? `: ${options.last()}` : ""}`,
      );
    }
    await sleep(options.intervalMs ?? 50);
  }
}
