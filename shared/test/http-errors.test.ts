import { Hono } from "hono";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { HttpError, notFound, onError, validate } from "../src/http/errors";

const app = new Hono()
  .post(
    "/things",
    validate("json", z.strictObject({ name: z.string().min(1), count: z.number().int() })),
    (c) => c.json(c.req.valid("json"), 201),
  )
  .get("/conflict", () => {
    throw new HttpError(409, "INVALID_STATE", "already done");
  })
  .get("/boom", () => {
    throw new Error("secret internals");
  });
app.onError(onError);
app.notFound(notFound);

const post = (body: string) =>
  app.request("/things", { method: "POST", body, headers: { "content-type": "application/json" } });

describe("HTTP error helpers", () => {
  it("answers a schema violation with 400 and one detail per failing field", async () => {
    const res = await post(JSON.stringify({ name: "", count: 1.5, extra: true }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: { path: string }[] } };
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(body.error.details.map((d) => d.path).sort()).toEqual(["(root)", "count", "name"]);
  });

  it("answers malformed JSON with 400 MALFORMED_JSON", async () => {
    const res = await post("{nope");
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { code: "MALFORMED_JSON", message: "request body is not valid JSON" },
    });
  });

  it("passes HttpError through and hides unexpected errors", async () => {
    expect(await (await app.request("/conflict")).json()).toEqual({
      error: { code: "INVALID_STATE", message: "already done" },
    });
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const boom = await app.request("/boom");
    expect(boom.status).toBe(500);
    expect(JSON.stringify(await boom.json())).not.toContain("secret");
    // The internals go to the log instead, one error line.
    expect(logged).toHaveBeenCalledTimes(1);
    expect(JSON.parse(String(logged.mock.calls[0]?.[0]))).toMatchObject({
      level: "error",
      msg: "unhandled error",
      path: "/boom",
      error: expect.stringContaining("secret internals"),
    });
    logged.mockRestore();
    expect((await app.request("/nowhere")).status).toBe(404);
  });
});
