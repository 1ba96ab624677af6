/**
 * The same id for the same name, every time: a UUID (version 8) from the name's SHA-256. For
 * ids a repeated request must repeat without having stored them, e.g. from an Idempotency-Key.
 */
export async function idFor(name: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(name)),
  ).slice(0, 16);
  digest[6] = (digest[6]! & 0x0f) | 0x80; // version 8: custom
  digest[8] = (digest[8]! & 0x3f) | 0x80; // variant 10
  const hex = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
