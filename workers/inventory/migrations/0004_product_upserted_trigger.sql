-- outboxTriggerSql(productUpsertedTrigger) of src/db/product-upserted-trigger.ts; products-cdc.test.ts keeps them equal.
-- Existing products go on from the sequence of the last ProductUpserted the route wrote (their version).
INSERT INTO cdc_sequences (aggregate_type, aggregate_id, sequence) SELECT 'product', sku, version FROM products;
--> statement-breakpoint
CREATE TRIGGER product_upserted_on_insert AFTER INSERT ON products
BEGIN
  INSERT INTO cdc_sequences (aggregate_type, aggregate_id, sequence)
  VALUES ('product', NEW.sku, 1)
  ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET sequence = sequence + 1;
  INSERT INTO outbox (event_id, type, correlation_id, body, created_at)
  VALUES (printf('%08x-%04x-7%03x-%04x-%012x', CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER) >> 16, CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER) & 65535, random() & 4095, (random() & 16383) | 32768, random() & 281474976710655), 'ProductUpserted', NEW.sku, '{}', CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER));
  UPDATE outbox SET body = json_object(
    'id', event_id,
    'type', 'ProductUpserted',
    'version', 2,
    'source', 'inventory',
    'aggregateType', 'product',
    'aggregateId', NEW.sku,
    'sequence', (SELECT sequence FROM cdc_sequences WHERE aggregate_type = 'product' AND aggregate_id = NEW.sku),
    'occurredAt', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
    'correlationId', NEW.sku,
    'causationId', 'cdc:products',
    'payload', json(json_object('sku', NEW.sku, 'name', NEW.name, 'price', json_object('amountCents', NEW.price_cents, 'currency', 'USD')))
  ) WHERE seq = last_insert_rowid();
  SELECT RAISE(ABORT, 'ProductUpserted event over 120000 bytes')
  WHERE (SELECT length(CAST(body AS BLOB)) FROM outbox WHERE seq = last_insert_rowid()) > 120000;
END;
--> statement-breakpoint
CREATE TRIGGER product_upserted_on_update AFTER UPDATE OF name, price_cents ON products
WHEN OLD.name IS NOT NEW.name OR OLD.price_cents IS NOT NEW.price_cents
BEGIN
  INSERT INTO cdc_sequences (aggregate_type, aggregate_id, sequence)
  VALUES ('product', NEW.sku, 1)
  ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET sequence = sequence + 1;
  INSERT INTO outbox (event_id, type, correlation_id, body, created_at)
  VALUES (printf('%08x-%04x-7%03x-%04x-%012x', CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER) >> 16, CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER) & 65535, random() & 4095, (random() & 16383) | 32768, random() & 281474976710655), 'ProductUpserted', NEW.sku, '{}', CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER));
  UPDATE outbox SET body = json_object(
    'id', event_id,
    'type', 'ProductUpserted',
    'version', 2,
    'source', 'inventory',
    'aggregateType', 'product',
    'aggregateId', NEW.sku,
    'sequence', (SELECT sequence FROM cdc_sequences WHERE aggregate_type = 'product' AND aggregate_id = NEW.sku),
    'occurredAt', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
    'correlationId', NEW.sku,
    'causationId', 'cdc:products',
    'payload', json(json_object('sku', NEW.sku, 'name', NEW.name, 'price', json_object('amountCents', NEW.price_cents, 'currency', 'USD')))
  ) WHERE seq = last_insert_rowid();
  SELECT RAISE(ABORT, 'ProductUpserted event over 120000 bytes')
  WHERE (SELECT length(CAST(body AS BLOB)) FROM outbox WHERE seq = last_insert_rowid()) > 120000;
END;
