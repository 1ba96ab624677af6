import { type RouteConfig, z } from "@hono/zod-openapi";
import { IdParam, MAX_BODY_BYTES, OrderListQuery, SkuParam } from "../index";
import {
  ADMIN_SECURITY,
  CUSTOMER_SECURITY,
  requestIdHeader,
  requestIdParam,
  schemas,
} from "./components";
import { HistoryQuery, LedgerQuery } from "./schemas";

/**
 * The vocabulary the public routes (./routes) are described with: answers, errors, parameters.
 * The gateway serves each one (workers/gateway/src/routes) and the document lists what it serves.
 */

type ResponseConfig = RouteConfig["responses"][string];
type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 502 | 503;

export const ID_RULE = "^[A-Za-z0-9._-]{1,64}$";
export const TAGS = { products: "Products", orders: "Orders", rewards: "Rewards", admin: "Admin" };
/** The local dev issuer's operations (sign-in for development and tests). */
export const AUTH_TAG = "Auth";
export const REFERENCE_TAG = "Reference";

export const stamped = (headers: Record<string, unknown> = {}) => ({
  ...headers,
  "x-request-id": requestIdHeader.ref,
});

/** A JSON answer of `S`; the precise type keeps `S` for the typed client (./client.ts). */
export type JsonAnswer<S extends z.ZodType> = ResponseConfig & {
  content: { "application/json": { schema: S } };
};

/** A JSON answer; every answer carries the request id header. */
export function json<S extends z.ZodType>(
  description: string,
  schema: S,
  headers?: Record<string, { description: string; schema: { type: "string" }; required?: boolean }>,
): JsonAnswer<S> {
  return {
    description,
    headers: stamped(headers),
    content: { "application/json": { schema } },
  } as JsonAnswer<S>;
}

const error = (description: string, headers?: Parameters<typeof json>[2]) =>
  json(description, schemas.ErrorBody, headers);

/** What a status means for the gateway itself (middleware, forwarding); routes add their own. */
export const COMMON: Partial<Record<ErrorStatus, string>> = {
  401: "`UNAUTHORIZED`: no `Authorization: Bearer` token (admin-only operation).",
  403: "`FORBIDDEN`: the token is not the admin token (a customer's access token never is).",
  413: `\`PAYLOAD_TOO_LARGE\`: the body is over ${MAX_BODY_BYTES / 1024} KB (${MAX_BODY_BYTES} bytes).`,
  415: "`UNSUPPORTED_MEDIA_TYPE`: the body is not `application/json` (a UTF-8 charset is fine).",
  500: "`INTERNAL`: an unexpected failure; nothing internal is disclosed.",
  503: "`ADMIN_DISABLED`: no ADMIN_TOKEN is configured on the gateway.",
};

export const BAD_ID = `\`VALIDATION_FAILED\`: a path parameter does not match \`${ID_RULE}\`.`;
export const BAD_BODY =
  "`MALFORMED_JSON`: the body is not JSON. `VALIDATION_FAILED`: the body breaks the schema; " +
  "`details` lists each failing field.";
export const upstream = (service: string) =>
  `\`UPSTREAM_UNAVAILABLE\`: the ${service} service did not answer.`;

/** Headers an error answer of that status always carries. */
const ERROR_HEADERS: Partial<Record<ErrorStatus, Parameters<typeof json>[2]>> = {
  401: {
    "WWW-Authenticate": {
      description: 'Always `Bearer realm="edge-saga-admin"`.',
      schema: { type: "string" },
      required: true,
    },
  },
  429: {
    "Retry-After": {
      description: "Seconds to wait before trying again.",
      schema: { type: "string" },
      required: true,
    },
  },
};

/** The error answers of `errors(extra, admin)`, by status, so a client narrows on the status. */
type ErrorAnswers<X, Admin extends boolean> = Record<
  (keyof X & ErrorStatus) | 500 | (Admin extends true ? 401 | 403 | 503 : never),
  ReturnType<typeof error>
>;

export function errors<
  X extends Partial<Record<ErrorStatus, string>>,
  Admin extends boolean = false,
>(extra: X, admin?: Admin): ErrorAnswers<X, Admin> {
  const statuses = Object.keys(extra).map(Number) as ErrorStatus[];
  if (admin) statuses.push(401, 403, 503);
  statuses.push(500);
  const out: Record<string, ResponseConfig> = {};
  for (const status of [...new Set(statuses)].sort((a, b) => a - b)) {
    const text = extra[status] ?? COMMON[status] ?? "";
    out[status] = error(text, ERROR_HEADERS[status]);
  }
  return out as ErrorAnswers<X, Admin>;
}

export const withRequestId = <T extends Record<string, z.ZodType> = Record<never, never>>(
  headers = {} as T,
) => z.object({ ...headers, "x-request-id": requestIdParam });

export const requestBody = <S extends z.ZodType>(
  schema: S,
  description: string,
  required = true,
) => ({
  description,
  required,
  content: { "application/json": { schema } },
});

export const adminOnly = { security: [{ [ADMIN_SECURITY]: [] }] };
/**
 * A customer's own operation: her access token (she acts for herself only), or the admin token
 * (an operator acts for any customer). The gateway derives its check from this very list.
 */
export const customerAccess: { security: Record<string, string[]>[] } = {
  security: [{ [CUSTOMER_SECURITY]: [] }, { [ADMIN_SECURITY]: [] }],
};
/** Said of every other route: no credentials, and a reader (or linter) need not guess. */
export const publicAccess = { security: [] };

/** What a 401 on a customer operation means. */
export const UNAUTHENTICATED =
  "`UNAUTHENTICATED`: no access token (nor the admin token), or one that is not valid: " +
  "malformed, signed by a key the gateway does not trust, for another issuer or audience, " +
  "expired or not yet valid. Nothing was done.";
/** The 403 of a customer operation that names a customer (path, body or query). */
export const NOT_HERS = "`FORBIDDEN`: names another customer than the caller; nothing was done.";
/** The 404 of an order that is not the caller's: its existence is not revealed. */
export const NOT_FOUND_ORDER =
  "`NOT_FOUND`: no order with this id, or (for a customer) an order of another customer: its " +
  "existence is not revealed.";

const CHALLENGE: Parameters<typeof json>[2] = {
  "WWW-Authenticate": {
    description:
      '`Bearer realm="edge-saga"`; when a token was sent, also `error="invalid_token"` and an ' +
      "`error_description` (RFC 6750 section 3).",
    schema: { type: "string" },
    required: true,
  },
};

/** `errors(extra)` of a customer operation: plus its 401 and the challenge it carries. */
export function customerErrors<X extends Partial<Record<ErrorStatus, string>>>(
  extra: X,
): ErrorAnswers<X & { 401: string }, false> {
  const out = errors({ ...extra, 401: UNAUTHENTICATED });
  out[401] = error(UNAUTHENTICATED, CHALLENGE);
  return out;
}

/** `schema` with descriptions on some fields for the reader; what it accepts is unchanged. */
function described<T extends z.ZodObject>(
  schema: T,
  texts: Partial<Record<keyof T["shape"] & string, string>>,
): T {
  const shape = Object.fromEntries(
    Object.entries(texts).map(([key, description]) => [
      key,
      (schema.shape[key] as z.ZodType).meta({ description }),
    ]),
  );
  return schema.extend(shape) as unknown as T;
}

export const SkuPath = described(SkuParam, { sku: "The product's SKU." });
export const OrderPath = described(IdParam, { id: "The order's id." });
export const CustomerPath = described(IdParam, {
  id: "The customer's id, or `me`: the caller's own (a customer's only; an admin names one).",
});
export const OrdersQuery = described(OrderListQuery, {
  customerId:
    "Whose orders: a customer's own when absent (another customer's: 403); an admin must name one.",
  cursor: "`nextCursor` of the previous page; omit for the first page.",
  limit: "Orders per page.",
});
export const LedgerPageQuery = described(LedgerQuery, { limit: "How many entries, newest first." });
export const HistoryPageQuery = described(HistoryQuery, {
  cursor: "`nextCursor` of the previous page; omit for the newest entries.",
  limit: "Entries per page.",
});
