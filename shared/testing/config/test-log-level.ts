/**
 * LOG_LEVEL of the Workers under test (vitest-pool-workers bindings and the e2e stacks):
 * `$LOG_LEVEL` when set, else warn, so a green `npm test` prints its summary and not a line per
 * event. `LOG_LEVEL=debug npm test` shows everything.
 */
export function testLogLevel(): string {
  return process.env.LOG_LEVEL || "warn";
}
