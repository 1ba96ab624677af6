import { MAX_BODY_BYTES } from "@edge-saga/contracts";
import { HttpError } from "@edge-saga/shared";
import type { MiddlewareHandler } from "hono";
import type { GatewayEnv } from "../types";

/** Largest request body the gateway accepts (design.md: 413 over 64 KB). */

const tooLarge = () =>
  new HttpError(413, "PAYLOAD_TOO_LARGE", `request body exceeds ${MAX_BODY_BYTES} bytes`);
const notJson = () =>
  new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", "request body must be application/json");

/**
 * Checks a request body before it is forwarded and keeps the bytes in `c.var.body`.
 * - 413 when Content-Length says more than 64 KB, and again while reading: the header may lie
 *   or be absent (chunked), so the bytes themselves are counted and reading stops at the limit.
 * - 415 unless Content-Type is `application/json` (a UTF-8 charset parameter is fine).
 * `required: false` lets a body-less request through (e.g. `POST /orders/{id}/cancel`);
 * a body it does carry is held to the same rules.
 */
export function jsonBody(options: { required: boolean }): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const declared = Number(c.req.header("content-length"));
    if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) throw tooLarge();
    const type = c.req.header("content-type");
    if (type !== undefined && !isJson(type)) throw notJson();
    const bytes = await readAtMost(c.req.raw.body, MAX_BODY_BYTES);
    if (type === undefined && (options.required || bytes.byteLength > 0)) throw notJson();
    c.set("body", bytes.byteLength > 0 ? bytes : null);
    await next();
  };
}

/** `application/json`, optionally with `charset=utf-8` (JSON is UTF-8 by definition, RFC 8259). */
export function isJson(contentType: string): boolean {
  const [mediaType, ...parameters] = contentType
    .split(";")
    .map((part) => part.trim().toLowerCase());
  if (mediaType !== "application/json") return false;
  return parameters.every((parameter) => {
    if (parameter === "") return true;
    const [name, value] = parameter.split("=").map((part) => part.trim());
    return name === "charset" && (value === "utf-8" || value === '"utf-8"');
  });
}

async function readAtMost(stream: ReadableStream<Uint8Array> | null, limit: number) {
  if (stream === null) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
