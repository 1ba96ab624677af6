/**
 * The public HTTP API as data: every route's method, path, schemas and documentation
 * (@hono/zod-openapi route configs), and the document generated from the routes a server
 * mounts. The gateway serves each of these; clients and tests read the same descriptions.
 */
export * from "./client";
export * from "./components";
export * from "./describe";
export * from "./document";
export * from "./paths";
export * from "./routes/admin";
export * from "./routes/auth";
export * from "./routes/customers";
export * from "./routes/dead-letters-admin";
export * from "./routes/gateway";
export * from "./routes/orders";
export * from "./routes/products";
export * from "./routes/reference";
export * from "./routes/service-admin";
export * from "./schemas";
