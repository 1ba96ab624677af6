import { parseTraceparent } from "../trace/trace-context";

/**
 * The one logger of the kit and the services: one JSON line per call, filtered by level.
 * A Worker sets its level with the `LOG_LEVEL` var (debug, info, warn, error; default info).
 * Per-event lines are `debug`; a queue batch writes one `info` line. A `traceparent` field
 * (on the line or given to `with`) is written as the span's `traceId` and `spanId`, so every
 * line of a saga's processing can be found by its trace id.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const DEFAULT_LEVEL: LogLevel = "info";

export type LogFields = Record<string, unknown>;

export interface Logger {
  /** True when a line at `level` would be written: check it before building costly fields. */
  enabled(level: LogLevel): boolean;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** The same logger with `fields` added to every line. */
  with(fields: LogFields): Logger;
}

/** The level named by `value` (any case), or the default (info) when it names none. */
export function parseLogLevel(value: unknown): LogLevel {
  if (typeof value !== "string") return DEFAULT_LEVEL;
  const name = value.trim().toLowerCase();
  // Own keys only: "constructor" or "toString" are no levels.
  return Object.hasOwn(RANK, name) ? (name as LogLevel) : DEFAULT_LEVEL;
}

/** One JSON line; a field JSON cannot hold (a BigInt, a cycle) must not make logging throw. */
function lineOf(level: LogLevel, base: LogFields, msg: string, fields?: LogFields): string {
  const entry: LogFields = { level, ...base, msg, ...fields };
  // level and msg are the line's own: a field of the same name does not replace them.
  entry.level = level;
  entry.msg = msg;
  if ("traceparent" in entry) {
    const span = parseTraceparent(entry.traceparent);
    delete entry.traceparent;
    if (span) {
      entry.traceId = span.traceId;
      entry.spanId = span.spanId;
    }
  }
  try {
    return JSON.stringify(entry);
  } catch {
    const seen = new WeakSet<object>();
    return JSON.stringify(entry, (_key, value: unknown) => {
      if (typeof value === "bigint") return value.toString();
      if (typeof value === "object" && value !== null) {
        if (seen.has(value)) return "[circular]";
        seen.add(value);
      }
      return value;
    });
  }
}

/**
 * @example const log = createLogger({ level: env.LOG_LEVEL, fields: { service: "order" } });
 * log.info("batch done", { messages: 100 });
 */
export function createLogger(options: { level?: unknown; fields?: LogFields } = {}): Logger {
  const threshold = RANK[parseLogLevel(options.level)];
  const base = options.fields ?? {};
  const write = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[level] < threshold) return;
    const line = lineOf(level, base, msg, fields);
    if (level === "error") console.error(line);
    else if (level === "warn") console.warn(line);
    else console.log(line);
  };
  return {
    enabled: (level) => RANK[level] >= threshold,
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    with: (fields) => createLogger({ level: options.level, fields: { ...base, ...fields } }),
  };
}

/** The logger for a Worker's env: its `LOG_LEVEL` var, with `fields` on every line. */
export function loggerFor(env: unknown, fields?: LogFields): Logger {
  const level =
    typeof env === "object" && env !== null
      ? (env as { LOG_LEVEL?: unknown }).LOG_LEVEL
      : undefined;
  return createLogger({ level, fields });
}
