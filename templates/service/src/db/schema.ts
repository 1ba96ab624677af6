// The kit's tables (outbox, inbox, dead letters, receipts, metrics, CDC sequences). The service's
// own go beside them, e.g. `export * from "./tables";`, then `npx drizzle-kit generate` here.
export * from "@edge-saga/shared/schema";
