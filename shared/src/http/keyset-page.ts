/**
 * `?after=<key>&limit=<n>` of a keyset-paged route: `after` defaults to "" (the start),
 * `limit` to `max`, and a limit that is not a positive integer, or above `max`, becomes `max`.
 */
export function keysetPage(url: string, max: number): { after: string; limit: number } {
  const params = new URL(url).searchParams;
  const limit = Number(params.get("limit") ?? max);
  return {
    after: params.get("after") ?? "",
    limit: Number.isInteger(limit) && limit > 0 ? Math.min(limit, max) : max,
  };
}
