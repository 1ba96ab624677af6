import { IdempotencyKey } from "@edge-saga/contracts/http";
import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  IN_FLIGHT_TIMEOUT_MS,
  isKeyExpired,
  judgeStoredKey,
  KEY_TTL_MS,
  requestHash,
  type StoredKey,
} from "../src/domain/idempotency";

const now = 1_800_000_000_000;
const stored = (overrides: Partial<StoredKey> = {}): StoredKey => ({
  requestHash: "h1",
  status: "DONE",
  createdAt: now - 1000,
  expiresAt: now - 1000 + KEY_TTL_MS,
  ...overrides,
});

describe("judgeStoredKey", () => {
  it("replays a finished request with the same body", () => {
    expect(judgeStoredKey(stored(), "h1", now)).toBe("REPLAY");
  });

  it("refuses the same key with another body, finished or not", () => {
    expect(judgeStoredKey(stored(), "h2", now)).toBe("REUSED");
    expect(judgeStoredKey(stored({ status: "IN_FLIGHT" }), "h2", now)).toBe("REUSED");
  });

  it("reports a running request as in flight until it looks abandoned, then resumes it", () => {
    const running = (age: number) => stored({ status: "IN_FLIGHT", createdAt: now - age });
    expect(judgeStoredKey(running(0), "h1", now)).toBe("IN_FLIGHT");
    expect(judgeStoredKey(running(IN_FLIGHT_TIMEOUT_MS - 1), "h1", now)).toBe("IN_FLIGHT");
    expect(judgeStoredKey(running(IN_FLIGHT_TIMEOUT_MS), "h1", now)).toBe("RESUME");
    // Another body never resumes someone's request: the key is still taken.
    expect(judgeStoredKey(running(IN_FLIGHT_TIMEOUT_MS), "h2", now)).toBe("REUSED");
  });

  it("treats an expired key as unused, whatever it stored", () => {
    expect(judgeStoredKey(stored({ expiresAt: now }), "h1", now)).toBe("TAKE_OVER");
    expect(judgeStoredKey(stored({ expiresAt: now }), "other", now)).toBe("TAKE_OVER");
    expect(isKeyExpired({ expiresAt: now }, now)).toBe(true);
    expect(isKeyExpired({ expiresAt: now + 1 }, now)).toBe(false);
  });
});

describe("the contract's IdempotencyKey (what POST /orders accepts)", () => {
  it("accepts 1 to 128 of A-Z a-z 0-9 . _ : -", () => {
    for (const ok of ["a", "A1._:-", "x".repeat(128), "2024-01-01T00:00:00"]) {
      expect(IdempotencyKey.safeParse(ok).success, ok).toBe(true);
    }
    for (const bad of ["", "x".repeat(129), "has space", "slash/", "ü", 'quote"']) {
      expect(IdempotencyKey.safeParse(bad).success, bad).toBe(false);
    }
  });
});

describe("canonicalJson", () => {
  it("sorts keys at every level and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it("is the same for bodies that differ only in key order, not for different arrays", () => {
    expect(canonicalJson({ x: 1, y: "2" })).toBe(canonicalJson({ y: "2", x: 1 }));
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
    expect(canonicalJson({ a: undefined, b: 1 })).toBe(canonicalJson({ b: 1 }));
  });
});

describe("requestHash", () => {
  it("is the hex SHA-256 of the canonical body", async () => {
    expect(await requestHash({})).toBe(
      "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
    );
    expect(await requestHash({ a: 1, b: [1, 2] })).toBe(await requestHash({ b: [1, 2], a: 1 }));
    expect(await requestHash({ a: 1 })).not.toBe(await requestHash({ a: 2 }));
  });
});
