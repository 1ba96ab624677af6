import { viewSnapshotRoutes } from "@edge-saga/contracts/http";
import { contractRoutes, keysetPage } from "@edge-saga/shared";
import { clearProjection, storedOrdersPage } from "../db/order-history-store";

/** Largest page of the snapshot route (a page is two queries whatever its size). */
const SNAPSHOT_PAGE_MAX = 1000;

/**
 * Operator routes of the read model (the gateway serves them under `/admin/view/...`):
 * - `GET /admin/snapshot/orders?after=&limit=` -> `{ orders, next }`: every row by id, for the
 *   consistency checker and the rebuild check. A row is a CustomerOrder except that `customerId`
 *   and `createdAt` are null until its OrderPlaced arrived; `payment: { status, amountCents }` is
 *   what the payment events said (PENDING / null before any; NOT_REQUIRED / 0 when points paid).
 * - `POST /admin/projection/rebuild`: empties the projection and its inbox; then
 *   `npm run replay -- --to view` refills it from the producers' outboxes.
 */
export const adminProjection = contractRoutes<{ Bindings: Env }>()
  .openapi(viewSnapshotRoutes.getViewSnapshot, async (c) => {
    const { after, limit } = keysetPage(c.req.url, SNAPSHOT_PAGE_MAX);
    return c.json(await storedOrdersPage(c.env.DB, after, limit), 200);
  })
  .post("/projection/rebuild", async (c) => c.json({ cleared: await clearProjection(c.env.DB) }));
