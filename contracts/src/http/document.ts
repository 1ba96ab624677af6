import type { OpenAPIHono } from "@hono/zod-openapi";
import { spec } from "./components";
import { AUTH_TAG, REFERENCE_TAG } from "./describe";

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
- Customer operations need the customer's access token, \`Authorization: Bearer <JWT>\`
  (scheme \`customerBearer\`): a JWT from the shop's identity provider, whose \`sub\` is the
  customer. They act only for her: another customer's order answers 404, another customer's
  account 403. Locally, \`POST /auth/dev/token\` hands out tokens (it exists only there).
- Admin operations need \`Authorization: Bearer <ADMIN_TOKEN>\` (scheme \`adminBearer\`); the
  admin token also reads and cancels any customer's order.`;

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
      { name: AUTH_TAG, description: "The local dev issuer's sign-in; never deployed." },
      { name: REFERENCE_TAG, description: "This reference itself." },
    ],
  });
  return cached;
}
