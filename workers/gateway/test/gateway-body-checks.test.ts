import { MAX_BODY_BYTES } from "@edge-saga/contracts";
import { describe, expect, it } from "vitest";
import { ADMIN, CUSTOMER, call, callWith, type Echo, errorCode, JSON_TYPE } from "./helpers";

const post = (
  path: string,
  body: BodyInit | undefined,
  headers: Record<string, string> = JSON_TYPE,
) => call(path, { method: "POST", headers: { ...CUSTOMER, ...headers }, body });

/** A body that arrives in pieces without a Content-Length (chunked). */
function streamOf(totalBytes: number, chunkBytes = 8 * 1024): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= totalBytes) return controller.close();
      const size = Math.min(chunkBytes, totalBytes - sent);
      controller.enqueue(new Uint8Array(size).fill(0x20));
      sent += size;
    },
  });
}

describe("gateway body checks", () => {
  it.each([
    ["text/plain", '{"a":1}'],
    ["application/x-www-form-urlencoded", "a=1"],
    ["application/jsonp", "{}"],
    ["application/json; charset=latin1", "{}"],
    ["multipart/form-data; boundary=x", "{}"],
  ])("answers Content-Type %s with 415", async (type, body) => {
    const res = await post("/orders", body, { "content-type": type });
    expect(res.status).toBe(415);
    expect(await errorCode(res)).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("answers a body without Content-Type with 415", async () => {
    const res = await call("/orders", {
      method: "POST",
      headers: CUSTOMER,
      body: new TextEncoder().encode("{}"),
    });
    expect(res.status).toBe(415);
  });

  it("requires JSON on admin writes too (after the token)", async () => {
    const res = await call("/products/sku-1", {
      method: "PUT",
      headers: { ...ADMIN, "content-type": "text/plain" },
      body: "{}",
    });
    expect(res.status).toBe(415);
  });

  it.each([
    "application/json",
    "application/json; charset=utf-8",
    "Application/JSON;Charset=UTF-8",
  ])("accepts %s", async (type) => {
    const res = await post("/orders", "{}", { "content-type": type });
    expect(res.status).toBe(200);
  });

  it("lets a cancel without a body through, but holds a body it carries to the rules", async () => {
    const bare = await call("/orders/o1/cancel", { method: "POST", headers: CUSTOMER });
    expect(bare.status).toBe(200);
    const echo = (await bare.json()) as Echo;
    expect(echo.body).toBe("");
    expect(echo.headers["content-type"]).toBeUndefined();
    const text = await post("/orders/o1/cancel", "why", { "content-type": "text/plain" });
    expect(text.status).toBe(415);
  });

  it("forwards a body of exactly 64 KB and refuses one byte more with 413", async () => {
    const fits = `"${"x".repeat(MAX_BODY_BYTES - 2)}"`;
    const ok = await post("/orders", fits);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as Echo).body.length).toBe(MAX_BODY_BYTES);
    const over = await post("/orders", `"${"x".repeat(MAX_BODY_BYTES - 1)}"`);
    expect(over.status).toBe(413);
    expect(await errorCode(over)).toBe("PAYLOAD_TOO_LARGE");
  });

  it("refuses by Content-Length before reading the body", async () => {
    const res = await callWith(
      {},
      new Request("https://gateway.test/orders", {
        method: "POST",
        headers: { ...CUSTOMER, ...JSON_TYPE, "content-length": String(10 * 1024 * 1024) },
        body: "{}",
      }),
    );
    expect(res.status).toBe(413);
  });

  it("counts streamed bytes when there is no Content-Length", async () => {
    const over = await call("/orders", {
      method: "POST",
      headers: { ...CUSTOMER, ...JSON_TYPE },
      body: streamOf(MAX_BODY_BYTES + 1),
    });
    expect(over.status).toBe(413);
    const fits = await call("/orders", {
      method: "POST",
      headers: { ...CUSTOMER, ...JSON_TYPE },
      body: streamOf(1000),
    });
    expect(fits.status).toBe(200);
    expect(((await fits.json()) as Echo).body.length).toBe(1000);
  });

  it("does not trust a Content-Length that understates the body", async () => {
    const res = await callWith(
      {},
      new Request("https://gateway.test/orders", {
        method: "POST",
        headers: { ...CUSTOMER, ...JSON_TYPE, "content-length": "2" },
        body: streamOf(200 * 1024),
      }),
    );
    expect(res.status).toBe(413);
  });
});
