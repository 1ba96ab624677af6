/**
 * The kit's zod-only parts, with no Workers types and no Workers modules behind them: the event
 * envelope and the catalog mechanism. `@edge-saga/shared/events` is what contracts build on, so
 * Node (scripts, e2e) can import contracts; the Workers services keep `@edge-saga/shared`.
 */
export * from "./catalog";
export * from "./dead-letters/resolutions";
export * from "./envelope";
