-- Payment joins the saga: payment_state (orders placed before waited for no card),
-- payment_method, PAYMENT_DECLINED. A CHECK changes only by rebuilding the table; as in 0004,
-- the foreign keys are deferred across the rebuild (D1 ignores PRAGMA foreign_keys there).
-- The cdc trigger reads orders: dropped while the table is rebuilt, created again by 0009.
-- migration.test.ts applies this to a database that holds orders.
DROP TRIGGER IF EXISTS order_placed_on_insert;--> statement-breakpoint
PRAGMA defer_foreign_keys = on;--> statement-breakpoint
CREATE TABLE `__new_orders` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`status` text NOT NULL,
	`total_cents` integer NOT NULL,
	`points_redeemed` integer NOT NULL,
	`points_earned` integer DEFAULT 0 NOT NULL,
	`rejection_reason` text,
	`stock_state` text NOT NULL,
	`points_state` text NOT NULL,
	`payment_state` text DEFAULT 'NOT_NEEDED' NOT NULL,
	`payment_method` text,
	`version` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`confirmed_at` integer,
	`points_awarded_at` integer,
	`write_path` text DEFAULT 'outbox' NOT NULL,
	CONSTRAINT "orders_status_valid" CHECK("__new_orders"."status" IN ('PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED')),
	CONSTRAINT "orders_stock_state_valid" CHECK("__new_orders"."stock_state" IN ('PENDING', 'RESERVED', 'FAILED')),
	CONSTRAINT "orders_points_state_valid" CHECK("__new_orders"."points_state" IN ('PENDING', 'RESERVED', 'FAILED', 'NOT_NEEDED')),
	CONSTRAINT "orders_payment_state_valid" CHECK("__new_orders"."payment_state" IN ('PENDING', 'AUTHORIZED', 'DECLINED', 'NOT_NEEDED')),
	CONSTRAINT "orders_total_non_negative" CHECK("__new_orders"."total_cents" >= 0),
	CONSTRAINT "orders_points_within_total" CHECK("__new_orders"."points_redeemed" >= 0 AND "__new_orders"."points_redeemed" <= "__new_orders"."total_cents"),
	CONSTRAINT "orders_points_earned_non_negative" CHECK("__new_orders"."points_earned" >= 0),
	CONSTRAINT "orders_rejection_reason_iff_rejected" CHECK(("__new_orders"."status" = 'REJECTED') = ("__new_orders"."rejection_reason" IS NOT NULL)),
	CONSTRAINT "orders_rejection_reason_valid" CHECK("__new_orders"."rejection_reason" IS NULL OR "__new_orders"."rejection_reason" IN ('OUT_OF_STOCK', 'UNKNOWN_PRODUCT', 'INSUFFICIENT_POINTS', 'PAYMENT_DECLINED', 'TIMED_OUT')),
	CONSTRAINT "orders_confirmed_only_when_all_reserved" CHECK("__new_orders"."status" <> 'CONFIRMED' OR ("__new_orders"."stock_state" = 'RESERVED' AND "__new_orders"."points_state" IN ('RESERVED', 'NOT_NEEDED') AND "__new_orders"."payment_state" IN ('AUTHORIZED', 'NOT_NEEDED'))),
	CONSTRAINT "orders_version_positive" CHECK("__new_orders"."version" >= 1)
);
--> statement-breakpoint
INSERT INTO `__new_orders`("id", "customer_id", "status", "total_cents", "points_redeemed", "points_earned", "rejection_reason", "stock_state", "points_state", "payment_state", "payment_method", "version", "created_at", "updated_at", "confirmed_at", "points_awarded_at", "write_path") SELECT "id", "customer_id", "status", "total_cents", "points_redeemed", "points_earned", "rejection_reason", "stock_state", "points_state", 'NOT_NEEDED', NULL, "version", "created_at", "updated_at", "confirmed_at", "points_awarded_at", "write_path" FROM `orders`;--> statement-breakpoint
DROP TABLE `orders`;--> statement-breakpoint
ALTER TABLE `__new_orders` RENAME TO `orders`;--> statement-breakpoint
PRAGMA defer_foreign_keys = off;--> statement-breakpoint
CREATE INDEX `orders_customer_idx` ON `orders` (`customer_id`,`id`);--> statement-breakpoint
CREATE INDEX `orders_status_created_idx` ON `orders` (`status`,`created_at`);