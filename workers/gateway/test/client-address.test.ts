import { describe, expect, it } from "vitest";
import { clientBucket } from "../src/middleware/client-address";
import { orderRateKeys, UNKNOWN_CLIENT } from "../src/middleware/rate-limit";

describe("the rate-limit bucket of a client address (middleware/client-address.ts)", () => {
  it("puts 650 addresses of one IPv6 /64 in one bucket, and another /64 in another", () => {
    const buckets = new Set<string>();
    for (let i = 0; i < 650; i += 1) {
      const host = [i, i * 7, i * 13, i * 31].map((n) => (n % 0x10000).toString(16)).join(":");
      buckets.add(clientBucket(`2001:db8:abcd:12:${host}`));
    }
    expect([...buckets]).toEqual(["2001:db8:abcd:12::/64"]);
    expect(clientBucket("2001:db8:abcd:13::1")).toBe("2001:db8:abcd:13::/64");
  });

  it("reads every spelling of an IPv6 address the same way", () => {
    for (const spelling of [
      "2001:0db8:0000:0012:0000:0000:0000:0001",
      "2001:db8:0:12::1",
      "2001:DB8::12:0:0:0:1",
      "  2001:db8:0:12:ffff::  ",
      "2001:db8:0:12::1%eth0",
    ]) {
      expect(clientBucket(spelling), spelling).toBe("2001:db8:0:12::/64");
    }
    expect(clientBucket("::1")).toBe("0:0:0:0::/64");
    expect(clientBucket("64:ff9b::192.0.2.33")).toBe("64:ff9b:0:0::/64");
  });

  it("keeps an IPv4 address as it is (an IPv4-mapped IPv6 one too)", () => {
    expect(clientBucket("203.0.113.9")).toBe("203.0.113.9");
    expect(clientBucket("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(clientBucket("203.0.113.10")).not.toBe(clientBucket("203.0.113.9"));
  });

  it("keeps what is not an address as it is", () => {
    expect(clientBucket("1:2:3:4:5:6:7:8:9")).toBe("1:2:3:4:5:6:7:8:9");
    expect(clientBucket("1::2::3")).toBe("1::2::3");
    expect(clientBucket("nope")).toBe("nope");
  });

  it("keys an order by its client bucket and its customer, never an admin's", () => {
    const alice = { role: "customer", customerId: "alice" } as const;
    expect(orderRateKeys("2001:db8:0:12::1", alice)).toEqual([
      "client:2001:db8:0:12::/64",
      "customer:alice",
    ]);
    expect(orderRateKeys(undefined, { role: "admin" })).toEqual([`client:${UNKNOWN_CLIENT}`]);
    expect(orderRateKeys(" ", alice)[0]).toBe(`client:${UNKNOWN_CLIENT}`);
  });
});
