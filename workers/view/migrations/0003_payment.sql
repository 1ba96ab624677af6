-- The order's card payment, from the payment service's events. drizzle-kit rebuilds the table
-- for a table-level CHECK (and 0.31's rebuild selects the new columns from the old table, which
-- lacks them); SQLite takes the same CHECK as a column constraint of ADD COLUMN and tests it
-- against the rows already there, so plain ADD COLUMNs do: no rebuild, no copy. Rows from before
-- read PENDING / rank 0 / no amount until a payment event arrives. migration.test.ts applies this
-- to a database that holds orders.
ALTER TABLE `view_orders` ADD `payment_status` text DEFAULT 'PENDING' NOT NULL CONSTRAINT "view_orders_payment_status" CHECK("payment_status" IN ('PENDING', 'NOT_REQUIRED', 'AUTHORIZED', 'DECLINED', 'CAPTURED', 'VOIDED', 'REFUNDED'));--> statement-breakpoint
ALTER TABLE `view_orders` ADD `payment_rank` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `view_orders` ADD `payment_amount_cents` integer;
