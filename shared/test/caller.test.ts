import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import {
  adminFingerprint,
  CALLER_HEADER,
  type Caller,
  callerHeaderValue,
  callerOf,
  customerFor,
  mayActFor,
  parseCaller,
} from "../src/http/caller";
import { HttpError, onError } from "../src/http/errors";

const alice: Caller = { role: "customer", customerId: "alice" };
const admin: Caller = { role: "admin" };

describe("the caller a service trusts", () => {
  it("round-trips through its header", () => {
    expect(parseCaller(callerHeaderValue(alice))).toEqual(alice);
    expect(parseCaller(callerHeaderValue(admin))).toEqual(admin);
    const named: Caller = { role: "admin", actor: "0123456789ab" };
    expect(parseCaller(callerHeaderValue(named))).toEqual(named);
  });

  it("names an admin by 12 hex digits of the token's SHA-256, and takes nothing else for one", async () => {
    expect(await adminFingerprint("dev-admin-token")).toBe("1734d503f6aa");
    for (const value of ["admin:", "admin:dev-admin-token", "admin:0123456789AB", "admin:0123"])
      expect(parseCaller(value)).toBeUndefined();
  });

  it("names no caller for an absent or malformed header", () => {
    for (const value of [undefined, null, "", "customer:", "customer:a/b", "Admin", "alice"]) {
      expect(parseCaller(value)).toBeUndefined();
    }
  });

  it("answers 401 to a request that did not come through the gateway", async () => {
    const app = new Hono().get("/who", (c) => c.json(callerOf(c)));
    app.onError(onError);
    const refused = await app.request("/who");
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe("Bearer");
    const served = await app.request("/who", { headers: { [CALLER_HEADER]: "customer:alice" } });
    expect(await served.json()).toEqual(alice);
  });

  it("lets a customer act only for herself, an admin for anyone", () => {
    expect(mayActFor(alice, "alice")).toBe(true);
    expect(mayActFor(alice, "bob")).toBe(false);
    expect(mayActFor(admin, "bob")).toBe(true);
  });

  it("takes a customer's id from the caller, refusing another one (403)", () => {
    expect(customerFor(alice, undefined)).toBe("alice");
    expect(customerFor(alice, "alice")).toBe("alice");
    expect(() => customerFor(alice, "bob")).toThrow(
      expect.objectContaining({ status: 403, code: "FORBIDDEN" }),
    );
  });

  it("makes an admin name the customer it acts for", () => {
    expect(customerFor(admin, "bob")).toBe("bob");
    expect(() => customerFor(admin, undefined)).toThrow(HttpError);
  });
});
