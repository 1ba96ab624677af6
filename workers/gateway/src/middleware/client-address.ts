/**
 * The rate-limit bucket of a client address: an IPv4 address as it is; an IPv6 address by its
 * /64, the smallest block one subscriber is normally given (so the 2^64 addresses a single
 * customer line can pick from share one bucket). Something that is not an address is kept as it
 * is (trimmed, lower case): the edge sets CF-Connecting-IP, so that is only local runs.
 * @example clientBucket("2001:db8:1:2:aaaa::1") // "2001:db8:1:2::/64"
 */
export function clientBucket(address: string): string {
  const trimmed = address.trim().toLowerCase();
  const mappedV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(trimmed);
  if (mappedV4) return mappedV4[1]!;
  if (!trimmed.includes(":")) return trimmed;
  const groups = ipv6Groups(trimmed.replace(/%.*$/, ""));
  if (groups === undefined) return trimmed;
  return `${groups.slice(0, 4).join(":")}::/64`;
}

/** The 8 groups of an IPv6 address (`::` expanded, leading zeros dropped), or undefined. */
function ipv6Groups(address: string): string[] | undefined {
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  // An embedded IPv4 tail (`::ffff:1.2.3.4`, `64:ff9b::1.2.3.4`) counts as two groups.
  const last = tail.length > 0 ? tail : head;
  if (last.length > 0 && last[last.length - 1]!.includes(".")) last.splice(-1, 1, "0", "0");
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return undefined;
  return groups.map((group) => Number.parseInt(group, 16).toString(16));
}
