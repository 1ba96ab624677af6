import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { createLogger, loggerFor, parseLogLevel } from "../src/log/logger";

/** What the logger wrote, by console method, each line parsed. */
let spies: Record<"log" | "warn" | "error", MockInstance>;
const written = (method: "log" | "warn" | "error") =>
  spies[method].mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
const messages = () =>
  (["log", "warn", "error"] as const).flatMap((method) => written(method).map((line) => line.msg));

beforeEach(() => {
  spies = {
    log: vi.spyOn(console, "log").mockImplementation(() => {}),
    warn: vi.spyOn(console, "warn").mockImplementation(() => {}),
    error: vi.spyOn(console, "error").mockImplementation(() => {}),
  };
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("kit logger", () => {
  it("writes one JSON line per call: level, fields, msg, the call's fields", () => {
    createLogger({ fields: { service: "order" } }).info("batch done", { messages: 100 });
    expect(spies.log).toHaveBeenCalledTimes(1);
    const line = String(spies.log.mock.calls[0]?.[0]);
    expect(line).toBe('{"level":"info","service":"order","msg":"batch done","messages":100}');
  });

  it("writes only at or above its level, each level to its console method", () => {
    const log = createLogger({ level: "warn" });
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    expect(spies.log).not.toHaveBeenCalled();
    expect(written("warn")).toEqual([{ level: "warn", msg: "w" }]);
    expect(written("error")).toEqual([{ level: "error", msg: "e" }]);
    expect(log.enabled("info")).toBe(false);
    expect(log.enabled("warn")).toBe(true);
  });

  it("writes debug lines only at debug; info is the default", () => {
    const debug = createLogger({ level: "debug" });
    debug.debug("per event");
    expect(written("log")).toEqual([{ level: "debug", msg: "per event" }]);

    const byDefault = createLogger();
    byDefault.debug("hidden");
    byDefault.info("shown");
    expect(messages()).toEqual(["per event", "shown"]);
    expect(byDefault.enabled("debug")).toBe(false);
  });

  it("reads a level in any case and falls back to info on anything else", () => {
    expect(parseLogLevel("DEBUG")).toBe("debug");
    expect(parseLogLevel(" warn ")).toBe("warn");
    for (const unknown of ["verbose", "", "constructor", "toString", undefined, 3, null])
      expect(parseLogLevel(unknown)).toBe("info");
    // An inherited property name is no level: it must not let every line through, nor none.
    const log = createLogger({ level: "constructor" });
    log.debug("hidden");
    log.info("shown");
    expect(messages()).toEqual(["shown"]);
  });

  it("with() adds fields to every line and keeps the level", () => {
    const base = createLogger({ level: "warn", fields: { service: "order" } });
    const batch = base.with({ queue: "order-inbox" });
    batch.info("hidden");
    batch.warn("event retried", { eventId: "e1" });
    base.warn("no queue");
    expect(written("warn")).toEqual([
      {
        level: "warn",
        service: "order",
        queue: "order-inbox",
        msg: "event retried",
        eventId: "e1",
      },
      { level: "warn", service: "order", msg: "no queue" },
    ]);
  });

  it("a field named level or msg does not replace the line's own", () => {
    createLogger({ fields: { level: "debug" } }).warn("real", { msg: "fake", level: "error" });
    expect(written("warn")).toEqual([{ level: "warn", msg: "real" }]);
  });

  it("does not throw on a field JSON cannot hold", () => {
    const cycle: Record<string, unknown> = { name: "a" };
    cycle.self = cycle;
    const log = createLogger();
    expect(() => log.info("odd fields", { big: 10n, cycle })).not.toThrow();
    expect(written("log")).toEqual([
      { level: "info", msg: "odd fields", big: "10", cycle: { name: "a", self: "[circular]" } },
    ]);
  });

  it("loggerFor reads the Worker's LOG_LEVEL var", () => {
    loggerFor({ LOG_LEVEL: "error" }, { service: "view" }).warn("hidden");
    loggerFor({ LOG_LEVEL: "debug" }, { service: "view" }).debug("shown");
    loggerFor(undefined).info("no env: info");
    loggerFor({}).debug("no var: info");
    expect(written("log")).toEqual([
      { level: "debug", service: "view", msg: "shown" },
      { level: "info", msg: "no env: info" },
    ]);
    expect(spies.warn).not.toHaveBeenCalled();
  });
});
