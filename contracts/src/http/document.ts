import type { OpenAPIHono } from "@hono/zod-openapi";
import { spec } from "./components";
import { REFERENCE_TAG } from "./describe";

export type OpenApiDocument = ReturnType<OpenAPIHono["getOpenAPI31Document"]>;

const DESCRIPTION = `The one public entry of edge-saga: products, orders placed as sagas across the
order, inventory and rewards services, and customers' reward points.

- Bodies are JSON (\`application/json\`), at most 64 KB.
- Ids and SKUs match \`^[A-Za-z0-9._-]{1,64}$\`.
- Every error answer is \`{ "error": { "code", "message", "details"? } }\` (schema \`ErrorBody\`);
  branch on \`code\`, show \`message\`.
- Every answer carries \`x-request-id\`: yours when you send a well-formed one, a fresh one
  otherwise.
- A method that a path does not serve answers 405 \`METHOD_NOT_ALLOWED\`, with \`Allow\` listing
  the methods it does.
- Admin operations need \`Authorization: Bearer <ADMIN_TOKEN>\`.`;

let cached: OpenApiDocument | undefined;

/**
 * The OpenAPI 3.1 document of the gateway, generated once per isolate from the routes app.ts
 * mounted (each registers its description as it is served) and their zod schemas.
 */
export function openApiDocument(): OpenApiDocument {
  cached ??= spec.getOpenAPI31Document({
    openapi: "3.1.0",
    info: { title: "edge-saga API", version: "1.0.0", description: DESCRIPTION },
    // Relative: the gateway that serves this document, wherever it is deployed (RFC 3986 base).
    servers: [{ url: "/", description: "The gateway serving this document." }],
    tags: [
      { name: "Products", description: "The catalogue and its stock (inventory service)." },
      { name: "Orders", description: "Orders and their saga (order service)." },
      { name: "Rewards", description: "Customers' points (rewards service)." },
      { name: "Admin", description: "Operator views and actions; admin token required." },
      { name: REFERENCE_TAG, description: "This reference itself." },
    ],
  });
  return cached;
}
