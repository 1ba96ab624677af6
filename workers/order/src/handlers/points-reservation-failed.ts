import type { Catalog } from "@edge-saga/contracts";
import type { EventOf } from "@edge-saga/shared";
import { sagaReplyHandler } from "./saga-reply";

/** The customer has too few points: the order is rejected. */
export const pointsReservationFailed = sagaReplyHandler<
  EventOf<Catalog, "PointsReservationFailed">
>((event) => ({
  type: "PointsReservationFailed",
  reason: event.payload.reason,
}));
