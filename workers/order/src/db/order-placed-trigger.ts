import { OrderPlaced } from "@edge-saga/contracts";
import type { OutboxTriggerSpec } from "@edge-saga/shared";

const order = (column: string) => `(SELECT ${column} FROM orders WHERE id = NEW.order_id)`;

/**
 * WRITE_PATH=cdc ("original event handling"): OrderPlaced is written by the database, not by the
 * route. The order's first transition is the last row the placement inserts (after the order and
 * its lines), so the trigger fires on it and reads the rest; only orders placed on the cdc path
 * are captured. The SQL is in migrations/*_order_placed_trigger.sql; order-placed-cdc.test.ts
 * keeps the two equal and checks the catalog accepts what it writes.
 */
export const orderPlacedTrigger: OutboxTriggerSpec = {
  table: "order_transitions",
  trigger: "order_placed",
  event: OrderPlaced,
  on: { insert: true },
  when: `NEW.from_status IS NULL AND ${order("write_path")} = 'cdc'`,
  aggregateType: "order",
  aggregateId: "NEW.order_id",
  sequence: "NEW.version",
  causationId: "NEW.cause",
  payload: `json_object(
      'orderId', NEW.order_id,
      'customerId', ${order("customer_id")},
      'items', json((SELECT json_group_array(json_object('sku', sku, 'quantity', quantity, 'unitPriceCents', unit_price_cents))
        FROM (SELECT sku, quantity, unit_price_cents FROM order_items WHERE order_id = NEW.order_id ORDER BY rowid))),
      'totalCents', ${order("total_cents")},
      'pointsToRedeem', ${order("points_redeemed")},
      'paymentMethod', ${order("payment_method")})`,
};
