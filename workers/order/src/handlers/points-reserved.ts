import type { Catalog } from "@edge-saga/contracts";
import type { EventOf } from "@edge-saga/shared";
import { sagaReplyHandler } from "./saga-reply";

/** Rewards holds the points to redeem. */
export const pointsReserved = sagaReplyHandler<EventOf<Catalog, "PointsReserved">>(() => ({
  type: "PointsReserved",
}));
