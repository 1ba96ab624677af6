PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_view_orders` (
	`order_id` text PRIMARY KEY NOT NULL,
	`customer_id` text,
	`status` text DEFAULT 'PENDING' NOT NULL,
	`status_rank` integer DEFAULT 0 NOT NULL,
	`total_cents` integer,
	`points_redeemed` integer,
	`points_earned` integer,
	`points_awarded` integer,
	`rejection_reason` text,
	`stock` text DEFAULT 'PENDING' NOT NULL,
	`payment_status` text DEFAULT 'PENDING' NOT NULL,
	`payment_rank` integer DEFAULT 0 NOT NULL,
	`payment_amount_cents` integer,
	`placed_at` integer,
	`updated_at` integer NOT NULL,
	CONSTRAINT "view_orders_status" CHECK("__new_view_orders"."status" IN ('PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED')),
	CONSTRAINT "view_orders_stock" CHECK("__new_view_orders"."stock" IN ('PENDING', 'RESERVED', 'FAILED')),
	CONSTRAINT "view_orders_payment_status" CHECK("__new_view_orders"."payment_status" IN ('NOT_REQUIRED', 'PENDING', 'AUTHORIZED', 'DECLINED', 'CAPTURED', 'VOIDED', 'REFUNDED'))
);
--> statement-breakpoint
INSERT INTO `__new_view_orders`("order_id", "customer_id", "status", "status_rank", "total_cents", "points_redeemed", "points_earned", "points_awarded", "rejection_reason", "stock", "payment_status", "payment_rank", "payment_amount_cents", "placed_at", "updated_at") SELECT "order_id", "customer_id", "status", "status_rank", "total_cents", "points_redeemed", "points_earned", "points_awarded", "rejection_reason", "stock", "payment_status", "payment_rank", "payment_amount_cents", "placed_at", "updated_at" FROM `view_orders`;--> statement-breakpoint
DROP TABLE `view_orders`;--> statement-breakpoint
ALTER TABLE `__new_view_orders` RENAME TO `view_orders`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `view_orders_customer_idx` ON `view_orders` (`customer_id`,`order_id`);--> statement-breakpoint
ALTER TABLE `receipt_progress` ADD `acked_published_at` integer DEFAULT 0 NOT NULL;