// The kit's tables come through @edge-saga/shared, whose index imports `cloudflare:workers`;
// drizzle-kit (plain Node) cannot load that, so it reads ./tables.ts and the kit schema file directly.
export { deadLetters, inbox, outbox } from "@edge-saga/shared";
export * from "./tables";
