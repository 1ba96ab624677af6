export { consumerMetrics, deadLetters, inbox, outbox } from "@edge-saga/shared/schema";
export * from "./tables";
