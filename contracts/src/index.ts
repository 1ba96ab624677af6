export * from "./api";
export * from "./events";
export * from "./points";
export * from "./trace";
export * from "./write-path";
