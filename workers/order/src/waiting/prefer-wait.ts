/** The longest hold `Prefer: wait` gets, in seconds (design.md: N <= 30); more is capped. */
export const MAX_WAIT_SECONDS = 30;

/** What a PENDING answer and a 202 suggest before the next look, in seconds. */
export const RETRY_AFTER_SECONDS = 1;

/**
 * The seconds a `Prefer` header asks to wait (RFC 7240 `wait=N`, among other preferences, any
 * case, N optionally quoted), capped at MAX_WAIT_SECONDS; null when it asks none or says it
 * badly (0, negative, not an integer): a preference the server cannot read is ignored, never a 400.
 * @example preferredWait("respond-async, wait=45") // 30
 */
export function preferredWait(header: string | undefined): number | null {
  if (!header) return null;
  for (const preference of header.split(",")) {
    // A preference may carry parameters after ";" (RFC 7240 section 2); wait takes none.
    const [token = "", ...value] = (preference.split(";")[0] ?? "").split("=");
    if (token.trim().toLowerCase() !== "wait") continue;
    const text = value
      .join("=")
      .trim()
      .replace(/^"(.*)"$/, "$1");
    if (!/^\d{1,9}$/.test(text)) return null;
    const seconds = Number(text);
    return seconds >= 1 ? Math.min(seconds, MAX_WAIT_SECONDS) : null;
  }
  return null;
}
