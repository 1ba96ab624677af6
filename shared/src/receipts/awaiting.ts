/**
 * The subscribers an outbox row still awaits a receipt from, from its `awaiting` column (a JSON
 * array of names; null once every receipt came). Anything unreadable reads as none.
 */
export function parseAwaiting(awaiting: string | null | undefined): string[] {
  if (!awaiting) return [];
  try {
    const list: unknown = JSON.parse(awaiting);
    return Array.isArray(list) ? list.filter((s): s is string => typeof s === "string") : [];
  } catch {
    return [];
  }
}
