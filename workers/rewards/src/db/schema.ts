// The kit's tables live in its own module so drizzle-kit (plain Node) can read them without
// loading the Workers-only parts of @edge-saga/shared; see drizzle.config.ts.
export { deadLetters, inbox, outbox } from "@edge-saga/shared";
export * from "./tables";
