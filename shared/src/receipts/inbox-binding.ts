/**
 * Where a service's inbox queue is bound in every config that sends to it: `<SERVICE>_INBOX`,
 * e.g. `ORDER_INBOX` for "order" (relays send events there, consumers send receipts there).
 * Workers-free, so the config test (scripts/test/queue-bindings.test.ts) checks the same rule.
 */
export function inboxBindingOf(service: string): string {
  return `${service.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_INBOX`;
}
