export const money = (cents: number) => `$${(cents / 100).toFixed(2)}`;

/** Local wall-clock time with milliseconds; "" for no time or one that does not parse. */
export function clock(iso: string | null): string {
  const d = new Date(iso ?? "");
  return Number.isNaN(d.getTime())
    ? ""
    : `${d.toLocaleTimeString([], { hour12: false })}.${String(d.getMilliseconds()).padStart(3, "0")}`;
}

/** How long after `origin` (epoch ms) `iso` came: "+120 ms", "+2.35 s", "+12.5 s". */
export function since(iso: string, origin: number): string {
  const ms = Date.parse(iso) - origin;
  if (!Number.isFinite(ms)) return "";
  return ms < 1000 ? `+${Math.max(0, ms)} ms` : `+${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

export function age(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  return ms < 1000
    ? `${ms} ms`
    : ms < 60000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${Math.round(ms / 60000)} min`;
}
