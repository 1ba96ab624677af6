// The kit's tables every service has, then the service's own.
export * from "@edge-saga/shared/schema/service-tables";
export * from "./tables";
