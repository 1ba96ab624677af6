import { zValidator } from "@hono/zod-validator";
import type { Context, ErrorHandler, NotFoundHandler, ValidationTargets } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { loggerFor } from "../log/logger";

export interface ErrorDetail {
  path: string;
  message: string;
}

/** The one error shape of the public API. */
export interface ErrorBody {
  error: { code: string; message: string; details?: ErrorDetail[] };
}

export function errorBody(code: string, message: string, details?: ErrorDetail[]): ErrorBody {
  return { error: details ? { code, message, details } : { code, message } };
}

/**
 * Throw from a route to answer with the API's error JSON.
 * @example throw new HttpError(404, "NOT_FOUND", `no thing ${id}`);
 */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export function errorResponse(c: Context, error: HttpError): Response {
  return c.json(errorBody(error.code, error.message, error.details), error.status, error.headers);
}

const codeByStatus: Record<number, string> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  422: "UNPROCESSABLE",
  429: "RATE_LIMITED",
};

/** `app.onError(onError)`: HttpError as given, Hono's own exceptions mapped, anything else a 500 without internals. */
export const onError: ErrorHandler = (error, c) => {
  if (error instanceof HttpError) return errorResponse(c, error);
  if (error instanceof HTTPException) {
    const malformed = /malformed json/i.test(error.message);
    const code = malformed ? "MALFORMED_JSON" : (codeByStatus[error.status] ?? "ERROR");
    return c.json(
      errorBody(code, malformed ? "request body is not valid JSON" : error.message || code),
      error.status,
    );
  }
  loggerFor(c.env).error("unhandled error", {
    path: c.req.path,
    error: String(error?.stack ?? error),
  });
  return c.json(errorBody("INTERNAL", "internal error"), 500);
};

/** `app.notFound(notFound)` */
export const notFound: NotFoundHandler = (c) =>
  c.json(errorBody("NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`), 404);

/** zod issues as the API's `details`. */
export function issueDetails(error: { issues: readonly z.core.$ZodIssue[] }): ErrorDetail[] {
  return error.issues.map((issue) => ({
    path: issue.path.join(".") || "(root)",
    message: issue.message,
  }));
}

/**
 * `zValidator` answering a schema violation with 400 `VALIDATION_FAILED` and one detail per failing field.
 * @example app.post("/things", validate("json", ThingInput), (c) => c.json(c.req.valid("json")));
 */
export function validate<T extends z.ZodType, Target extends keyof ValidationTargets>(
  target: Target,
  schema: T,
) {
  return zValidator(target, schema, refuseInvalid);
}

/**
 * The one answer to a request that breaks its schema: 400 `VALIDATION_FAILED`, one detail per
 * failing field. The hook of `validate` and of the contract routes' apps (contract-routes.ts).
 */
export function refuseInvalid(
  result:
    | { success: true; target: string }
    | { success: false; target: string; error: { issues: readonly z.core.$ZodIssue[] } },
): void {
  if (!result.success) {
    const details = issueDetails(result.error);
    // Header names as HTTP has them, case-insensitive: named in lower case, as Hono reads them.
    if (result.target === "header")
      for (const detail of details) detail.path = detail.path.toLowerCase();
    throw new HttpError(400, "VALIDATION_FAILED", `invalid ${result.target}`, details);
  }
}
