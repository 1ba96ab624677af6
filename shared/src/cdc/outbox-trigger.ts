import type { EventDefinition } from "../catalog";
import { MAX_EVENT_BYTES } from "../outbox/outbox-writer";

/** What a change-capture trigger emits, and when. SQL expressions may read the row as `NEW.col`. */
export interface OutboxTriggerSpec {
  /** The captured table. */
  table: string;
  /** Name prefix of the triggers: `<trigger>_on_insert`, `<trigger>_on_update`. */
  trigger: string;
  /** The event written; its newest version and producer go into the envelope. */
  event: Pick<EventDefinition, "type" | "version" | "producer">;
  /** Emit for every inserted row, and/or for updates that change one of these columns. */
  on: { insert?: boolean; update?: readonly string[] };
  aggregateType: string;
  /** SQL expression, e.g. `NEW.sku`. */
  aggregateId: string;
  /** SQL expression; defaults to the aggregate id. */
  correlationId?: string;
  /** SQL expression; defaults to `cdc:<table>`. */
  causationId?: string;
  /**
   * SQL expression for the envelope's `sequence`, e.g. a version column the table already
   * keeps; defaults to a per-aggregate counter in `cdc_sequences`.
   */
  sequence?: string;
  /** SQL condition on `NEW` (and `OLD` for updates): only the rows it holds for are captured. */
  when?: string;
  /** SQL expression yielding the payload JSON, e.g. `json_object('sku', NEW.sku)`. */
  payload: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function identifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
  return name;
}

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

// 'now' is fixed for one statement, so the id's time, occurredAt and created_at agree.
const NOW_MS = "CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER)";
// UUIDv7 (RFC 9562): 48-bit ms time, version 7, 12 random bits, variant 10, 62 random bits.
const UUID_V7 = `printf('%08x-%04x-7%03x-%04x-%012x', ${NOW_MS} >> 16, ${NOW_MS} & 65535, random() & 4095, (random() & 16383) | 32768, random() & 281474976710655)`;

function triggerStatement(spec: OutboxTriggerSpec, kind: "insert" | "update"): string {
  const table = identifier(spec.table);
  const name = identifier(`${spec.trigger}_on_${kind}`);
  const columns = (spec.on.update ?? []).map(identifier);
  // UPDATE OF fires on any SET of the column; WHEN drops the ones that kept its value.
  const changed =
    kind === "update" ? columns.map((c) => `OLD.${c} IS NOT NEW.${c}`).join(" OR ") : "";
  const conditions = [changed, spec.when].filter(Boolean);
  const condition =
    conditions.length > 1 ? conditions.map((c) => `(${c})`).join(" AND ") : conditions[0];
  const when =
    (kind === "insert"
      ? `AFTER INSERT ON ${table}`
      : `AFTER UPDATE OF ${columns.join(", ")} ON ${table}`) +
    (condition ? `\nWHEN ${condition}` : "");
  const type = literal(spec.event.type);
  const aggregateType = literal(spec.aggregateType);
  const correlationId = spec.correlationId ?? spec.aggregateId;
  const sequence =
    spec.sequence ??
    `(SELECT sequence FROM cdc_sequences WHERE aggregate_type = ${aggregateType} AND aggregate_id = ${spec.aggregateId})`;
  const countSequence = spec.sequence
    ? ""
    : `
  INSERT INTO cdc_sequences (aggregate_type, aggregate_id, sequence)
  VALUES (${aggregateType}, ${spec.aggregateId}, 1)
  ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET sequence = sequence + 1;`;
  return `CREATE TRIGGER ${name} ${when}
BEGIN${countSequence}
  INSERT INTO outbox (event_id, type, correlation_id, body, created_at)
  VALUES (${UUID_V7}, ${type}, ${correlationId}, '{}', ${NOW_MS});
  UPDATE outbox SET body = json_object(
    'id', event_id,
    'type', ${type},
    'version', ${spec.event.version},
    'source', ${literal(spec.event.producer)},
    'aggregateType', ${aggregateType},
    'aggregateId', ${spec.aggregateId},
    'sequence', ${sequence},
    'occurredAt', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
    'correlationId', ${correlationId},
    'causationId', ${spec.causationId ?? literal(`cdc:${table}`)},
    'payload', json(${spec.payload})
  ) WHERE seq = last_insert_rowid();
  SELECT RAISE(ABORT, ${literal(`${spec.event.type} event over ${MAX_EVENT_BYTES} bytes`)})
  WHERE (SELECT length(CAST(body AS BLOB)) FROM outbox WHERE seq = last_insert_rowid()) > ${MAX_EVENT_BYTES};
END`;
}

/**
 * The `CREATE TRIGGER` statements that write an event into the outbox whenever a row of
 * `table` is inserted or changes one of the `on.update` columns, in the same transaction
 * as the change, whatever code (or console) made it. Put them in a custom drizzle migration
 * (`npx drizzle-kit generate --custom --name <what>`); the database needs the kit's
 * `outbox` and `cdcSequences` tables. The envelope's `sequence` counts per aggregate in
 * `cdc_sequences`, its `causationId` is `cdc:<table>`. The payload is not validated in SQL:
 * test that `catalog.parse` accepts what the trigger writes.
 * @example outboxTriggerSql({ table: "things", trigger: "thing_changed", event: ThingChanged,
 *   on: { insert: true, update: ["size"] }, aggregateType: "thing", aggregateId: "NEW.id",
 *   payload: "json_object('id', NEW.id, 'size', NEW.size)" })
 */
export function outboxTriggerSql(spec: OutboxTriggerSpec): string[] {
  const statements: string[] = [];
  if (spec.on.insert) statements.push(triggerStatement(spec, "insert"));
  if (spec.on.update?.length) statements.push(triggerStatement(spec, "update"));
  if (statements.length === 0) throw new Error(`${spec.trigger}: on.insert or on.update needed`);
  return statements;
}
