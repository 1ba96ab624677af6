// The kit's tables every service has, change capture's counters (outbox triggers), then the
// service's own.
export { cdcSequences } from "@edge-saga/shared/schema";
export * from "@edge-saga/shared/schema/service-tables";
export * from "./tables";
