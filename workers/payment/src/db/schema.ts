// The kit's tables (outbox, inbox, dead letters, receipts, metrics, effects) and the service's own.
export * from "@edge-saga/shared/schema";
export * from "./tables";
