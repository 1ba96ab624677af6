-- outboxTriggerSql(gadgetChangedTrigger) of src/gadget-changed-trigger.ts; cdc-outbox-trigger.test.ts keeps them equal.
CREATE TRIGGER gadget_changed_on_insert AFTER INSERT ON gadgets
BEGIN
  INSERT INTO cdc_sequences (aggregate_type, aggregate_id, sequence)
  VALUES ('gadget', NEW.id, 1)
  ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET sequence = sequence + 1;
  INSERT INTO outbox (event_id, type, correlation_id, body, created_at)
  VALUES (printf('%08x-%04x-7%03x-%04x-%012x', CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER) >> 16, CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER) & 65535, random() & 4095, (random() & 16383) | 32768, random() & 281474976710655), 'GadgetChanged', NEW.id, '{}', CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER));
  UPDATE outbox SET body = json_object(
    'id', event_id,
    'type', 'GadgetChanged',
    'version', 2,
    'source', 'tester',
    'aggregateType', 'gadget',
    'aggregateId', NEW.id,
    'sequence', (SELECT sequence FROM cdc_sequences WHERE aggregate_type = 'gadget' AND aggregate_id = NEW.id),
    'occurredAt', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
    'correlationId', NEW.id,
    'causationId', 'cdc:gadgets',
    'payload', json(json_object('id', NEW.id, 'label', NEW.label, 'priceCents', NEW.price_cents))
  ) WHERE seq = last_insert_rowid();
  SELECT RAISE(ABORT, 'GadgetChanged event over 120000 bytes')
  WHERE (SELECT length(CAST(body AS BLOB)) FROM outbox WHERE seq = last_insert_rowid()) > 120000;
END;
--> statement-breakpoint
CREATE TRIGGER gadget_changed_on_update AFTER UPDATE OF label, price_cents ON gadgets
WHEN OLD.label IS NOT NEW.label OR OLD.price_cents IS NOT NEW.price_cents
BEGIN
  INSERT INTO cdc_sequences (aggregate_type, aggregate_id, sequence)
  VALUES ('gadget', NEW.id, 1)
  ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET sequence = sequence + 1;
  INSERT INTO outbox (event_id, type, correlation_id, body, created_at)
  VALUES (printf('%08x-%04x-7%03x-%04x-%012x', CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER) >> 16, CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER) & 65535, random() & 4095, (random() & 16383) | 32768, random() & 281474976710655), 'GadgetChanged', NEW.id, '{}', CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER));
  UPDATE outbox SET body = json_object(
    'id', event_id,
    'type', 'GadgetChanged',
    'version', 2,
    'source', 'tester',
    'aggregateType', 'gadget',
    'aggregateId', NEW.id,
    'sequence', (SELECT sequence FROM cdc_sequences WHERE aggregate_type = 'gadget' AND aggregate_id = NEW.id),
    'occurredAt', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
    'correlationId', NEW.id,
    'causationId', 'cdc:gadgets',
    'payload', json(json_object('id', NEW.id, 'label', NEW.label, 'priceCents', NEW.price_cents))
  ) WHERE seq = last_insert_rowid();
  SELECT RAISE(ABORT, 'GadgetChanged event over 120000 bytes')
  WHERE (SELECT length(CAST(body AS BLOB)) FROM outbox WHERE seq = last_insert_rowid()) > 120000;
END;
