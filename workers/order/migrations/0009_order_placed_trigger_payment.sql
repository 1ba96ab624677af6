DROP TRIGGER IF EXISTS order_placed_on_insert;
--> statement-breakpoint
CREATE TRIGGER order_placed_on_insert AFTER INSERT ON order_transitions
WHEN NEW.from_status IS NULL AND (SELECT write_path FROM orders WHERE id = NEW.order_id) = 'cdc'
BEGIN
  INSERT INTO outbox (event_id, type, correlation_id, body, created_at)
  VALUES (printf('%08x-%04x-7%03x-%04x-%012x', CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER) >> 16, CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER) & 65535, random() & 4095, (random() & 16383) | 32768, random() & 281474976710655), 'OrderPlaced', NEW.order_id, '{}', CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER));
  UPDATE outbox SET body = json_object(
    'id', event_id,
    'type', 'OrderPlaced',
    'version', 1,
    'source', 'order',
    'aggregateType', 'order',
    'aggregateId', NEW.order_id,
    'sequence', NEW.version,
    'occurredAt', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
    'correlationId', NEW.order_id,
    'causationId', NEW.cause,
    'payload', json(json_object(
      'orderId', NEW.order_id,
      'customerId', (SELECT customer_id FROM orders WHERE id = NEW.order_id),
      'items', json((SELECT json_group_array(json_object('sku', sku, 'quantity', quantity, 'unitPriceCents', unit_price_cents))
        FROM (SELECT sku, quantity, unit_price_cents FROM order_items WHERE order_id = NEW.order_id ORDER BY rowid))),
      'totalCents', (SELECT total_cents FROM orders WHERE id = NEW.order_id),
      'pointsToRedeem', (SELECT points_redeemed FROM orders WHERE id = NEW.order_id),
      'paymentMethod', (SELECT payment_method FROM orders WHERE id = NEW.order_id)))
  ) WHERE seq = last_insert_rowid();
  SELECT RAISE(ABORT, 'OrderPlaced event over 120000 bytes')
  WHERE (SELECT length(CAST(body AS BLOB)) FROM outbox WHERE seq = last_insert_rowid()) > 120000;
END;
