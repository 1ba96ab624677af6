/**
 * One handler per event type the catalog routes to __NAME__ (its subscribers in
 * contracts/src/events.ts), e.g. `OrderPlaced: orderPlaced`; defineService checks the map.
 */
export const handlers = {};
