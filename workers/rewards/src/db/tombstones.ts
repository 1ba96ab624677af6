/**
 * The row a compensation leaves for an order whose hold (or award) has not arrived yet: no
 * points, already in its final `status`, so the late OrderPlaced holds nothing and the late
 * OrderConfirmed captures and awards nothing. Its insert conflicts with a row committed since
 * the handler's read: the kit then re-runs the handler, which finds that row.
 */
export function tombstoneRow<Status extends string>(
  orderId: string,
  customerId: string,
  status: Status,
  now: number,
) {
  return { orderId, customerId, points: 0, status, createdAt: now, updatedAt: now };
}
