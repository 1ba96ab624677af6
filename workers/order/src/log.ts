/** One structured log line, shaped like the kit's. */
export function log(level: "info" | "warn", msg: string, fields: Record<string, unknown>): void {
  const line = JSON.stringify({ level, service: "order", msg, ...fields });
  if (level === "warn") console.warn(line);
  else console.log(line);
}
