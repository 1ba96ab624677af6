export {
  cdcSequences,
  consumerMetrics,
  deadLetters,
  inbox,
  outbox,
  receiptProgress,
} from "@edge-saga/shared/schema";
export * from "./tables";
