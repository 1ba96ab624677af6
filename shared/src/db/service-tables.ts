/**
 * The kit's tables every service has (outbox, inbox, dead letters, receipts, consumer
 * metrics): a service's drizzle schema re-exports them in one line so its generated
 * migrations create them. Change capture and effects are opt-in (`@edge-saga/shared/schema`).
 * @example export * from "@edge-saga/shared/schema/service-tables";
 */
export {
  consumerMetrics,
  deadLetterAudit,
  deadLetters,
  inbox,
  outbox,
  receiptProgress,
} from "./kit-schema";
