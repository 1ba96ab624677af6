import { describe, expect, it } from "vitest";
import { grant, ledgerRows, postGrant, published, readRewards, request, uniqueId } from "./helpers";

describe("GET /customers/{id}/rewards", () => {
  it("answers an all-zero account for a customer who never had points", async () => {
    const res = await readRewards("nobody-yet");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      customerId: "nobody-yet",
      balance: 0,
      reserved: 0,
      lifetimeEarned: 0,
    });
  });

  it("answers the account after grants", async () => {
    const customerId = uniqueId("cust");
    await grant(customerId, 70);
    await grant(customerId, 30);
    const res = await readRewards(customerId);
    expect(await res.json()).toEqual({ customerId, balance: 100, reserved: 0, lifetimeEarned: 0 });
  });

  it.each([
    ["characters outside the id alphabet", "bad%20id!"],
    ["more than 64 characters", "x".repeat(65)],
  ])("refuses an id with %s (400 VALIDATION_FAILED)", async (_what, id) => {
    const res = await readRewards(id);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: { path: string }[] } };
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(body.error.details.map((d) => d.path)).toEqual(["id"]);
  });
});

describe("POST /customers/{id}/rewards/grants", () => {
  it("credits the points, writes a GRANT ledger entry and publishes PointsGranted (201)", async () => {
    const customerId = uniqueId("cust");
    const res = await postGrant(
      customerId,
      { points: 250, reason: "  welcome bonus " },
      { "x-request-id": "req-grant-1" },
    );
    expect(res.status).toBe(201);
    const body = (await res.json()) as {
      grant: { id: string; customerId: string; points: number; reason: string; createdAt: string };
      account: unknown;
    };
    expect(body.grant).toEqual({
      id: expect.any(String),
      customerId,
      points: 250,
      reason: "welcome bonus",
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(body.account).toEqual({ customerId, balance: 250, reserved: 0, lifetimeEarned: 0 });

    expect(await ledgerRows(customerId)).toEqual([
      {
        order_id: null,
        kind: "GRANT",
        points: 250,
        reason: "welcome bonus",
        causation_id: "req-grant-1",
      },
    ]);
    const events = await published(customerId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: "PointsGranted",
      source: "rewards",
      aggregateType: "customer",
      aggregateId: customerId,
      correlationId: customerId,
      causationId: "req-grant-1",
      payload: { customerId, points: 250, reason: "welcome bonus" },
    });
  });

  it("adds to an existing balance and accepts a grant without a reason", async () => {
    const customerId = uniqueId("cust");
    await grant(customerId, 10);
    const res = await postGrant(customerId, { points: 5 });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { grant: { reason: unknown }; account: { balance: number } };
    expect(body.grant.reason).toBeNull();
    expect(body.account.balance).toBe(15);
    expect((await published(customerId)).map((e) => e.payload)).toEqual([
      { customerId, points: 10, reason: "test seed" },
      { customerId, points: 5, reason: null },
    ]);
  });

  it("lists the ledger newest first", async () => {
    const customerId = uniqueId("cust");
    await grant(customerId, 1);
    await grant(customerId, 2);
    await grant(customerId, 3);
    const res = await readRewards(customerId, "/ledger");
    expect(res.status).toBe(200);
    const { entries } = (await res.json()) as { entries: { points: number; kind: string }[] };
    expect(entries.map((e) => e.points)).toEqual([3, 2, 1]);
    expect(entries[0]).toMatchObject({ customerId, kind: "GRANT", orderId: null });
    const limited = await readRewards(customerId, "/ledger?limit=2");
    expect(((await limited.json()) as { entries: unknown[] }).entries).toHaveLength(2);
    const empty = await readRewards("no-ledger-here", "/ledger");
    expect(await empty.json()).toEqual({ entries: [] });
  });

  it("refuses a bad ledger query (400 VALIDATION_FAILED)", async () => {
    for (const query of ["limit=0", "limit=abc", "limit=1000", "cursor=x"]) {
      const res = await readRewards("c1", `/ledger?${query}`);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        "VALIDATION_FAILED",
      );
    }
  });

  it.each([
    ["zero points", { points: 0 }, "points"],
    ["negative points", { points: -5 }, "points"],
    ["fractional points", { points: 1.5 }, "points"],
    ["points as a string", { points: "10" }, "points"],
    ["no points", { reason: "x" }, "points"],
    ["an unknown field", { points: 10, bonus: true }, "(root)"],
    ["a reason over 200 characters", { points: 10, reason: "r".repeat(201) }, "reason"],
  ])("refuses %s (400 VALIDATION_FAILED) and changes nothing", async (_what, body, path) => {
    const customerId = uniqueId("cust");
    const res = await postGrant(customerId, body);
    expect(res.status).toBe(400);
    const error = (
      (await res.json()) as {
        error: { code: string; details: { path: string }[] };
      }
    ).error;
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.details.map((d) => d.path)).toContain(path);
    expect(await ledgerRows(customerId)).toEqual([]);
    expect(await published(customerId)).toEqual([]);
  });

  it("refuses malformed JSON (400 MALFORMED_JSON)", async () => {
    const customerId = uniqueId("cust");
    const res = await postGrant(customerId, "{ points: 10");
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("MALFORMED_JSON");
    expect(await ledgerRows(customerId)).toEqual([]);
  });

  it("refuses a bad customer id (400 VALIDATION_FAILED) before reading the body", async () => {
    const res = await postGrant("bad%24id", { points: 10 });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: { path: string }[] } };
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(body.error.details.map((d) => d.path)).toEqual(["id"]);
  });

  it("answers 404 NOT_FOUND for a route it does not have", async () => {
    const res = await request("/customers/c1/points");
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
  });
});
