CREATE TABLE `catalog_products` (
	`sku` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`price_cents` integer NOT NULL,
	`version` integer NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "catalog_products_price_non_negative" CHECK("catalog_products"."price_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`key` text PRIMARY KEY NOT NULL,
	`request_hash` text NOT NULL,
	`status` text NOT NULL,
	`response_status` integer,
	`response_body` text,
	`order_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	CONSTRAINT "idempotency_keys_status_valid" CHECK("idempotency_keys"."status" IN ('IN_FLIGHT', 'DONE')),
	CONSTRAINT "idempotency_keys_done_has_response" CHECK("idempotency_keys"."status" <> 'DONE' OR ("idempotency_keys"."response_status" IS NOT NULL AND "idempotency_keys"."response_body" IS NOT NULL))
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_expires_idx` ON `idempotency_keys` (`expires_at`);--> statement-breakpoint
CREATE TABLE `order_items` (
	`order_id` text NOT NULL,
	`sku` text NOT NULL,
	`quantity` integer NOT NULL,
	`unit_price_cents` integer NOT NULL,
	PRIMARY KEY(`order_id`, `sku`),
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "order_items_quantity_range" CHECK("order_items"."quantity" BETWEEN 1 AND 1000),
	CONSTRAINT "order_items_price_non_negative" CHECK("order_items"."unit_price_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE `order_transitions` (
	`order_id` text NOT NULL,
	`version` integer NOT NULL,
	`from_status` text,
	`to_status` text NOT NULL,
	`change` text NOT NULL,
	`cause` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`order_id`, `version`),
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `orders` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`status` text NOT NULL,
	`total_cents` integer NOT NULL,
	`points_redeemed` integer NOT NULL,
	`points_earned` integer DEFAULT 0 NOT NULL,
	`rejection_reason` text,
	`stock_state` text NOT NULL,
	`points_state` text NOT NULL,
	`version` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`confirmed_at` integer,
	`points_awarded_at` integer,
	CONSTRAINT "orders_status_valid" CHECK("orders"."status" IN ('PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED')),
	CONSTRAINT "orders_stock_state_valid" CHECK("orders"."stock_state" IN ('PENDING', 'RESERVED', 'FAILED')),
	CONSTRAINT "orders_points_state_valid" CHECK("orders"."points_state" IN ('PENDING', 'RESERVED', 'FAILED', 'NOT_NEEDED')),
	CONSTRAINT "orders_total_non_negative" CHECK("orders"."total_cents" >= 0),
	CONSTRAINT "orders_points_within_total" CHECK("orders"."points_redeemed" >= 0 AND "orders"."points_redeemed" <= "orders"."total_cents"),
	CONSTRAINT "orders_points_earned_non_negative" CHECK("orders"."points_earned" >= 0),
	CONSTRAINT "orders_rejection_reason_iff_rejected" CHECK(("orders"."status" = 'REJECTED') = ("orders"."rejection_reason" IS NOT NULL)),
	CONSTRAINT "orders_rejection_reason_valid" CHECK("orders"."rejection_reason" IS NULL OR "orders"."rejection_reason" IN ('OUT_OF_STOCK', 'UNKNOWN_PRODUCT', 'INSUFFICIENT_POINTS')),
	CONSTRAINT "orders_confirmed_only_when_all_reserved" CHECK("orders"."status" <> 'CONFIRMED' OR ("orders"."stock_state" = 'RESERVED' AND "orders"."points_state" IN ('RESERVED', 'NOT_NEEDED'))),
	CONSTRAINT "orders_version_positive" CHECK("orders"."version" >= 1)
);
--> statement-breakpoint
CREATE INDEX `orders_customer_idx` ON `orders` (`customer_id`,`id`);--> statement-breakpoint
CREATE TABLE `dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`queue` text NOT NULL,
	`message_id` text NOT NULL,
	`event_id` text,
	`event_type` text,
	`reason` text NOT NULL,
	`attempts` integer NOT NULL,
	`body` text NOT NULL,
	`received_at` integer NOT NULL,
	`resolved_at` integer,
	`resolution` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dead_letters_message_idx` ON `dead_letters` (`queue`,`message_id`);--> statement-breakpoint
CREATE INDEX `dead_letters_received_idx` ON `dead_letters` (`received_at`);--> statement-breakpoint
CREATE TABLE `inbox` (
	`event_id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`correlation_id` text NOT NULL,
	`processed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `inbox_processed_idx` ON `inbox` (`processed_at`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` text NOT NULL,
	`type` text NOT NULL,
	`correlation_id` text NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL,
	`published_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_event_id_unique` ON `outbox` (`event_id`);--> statement-breakpoint
CREATE INDEX `outbox_pending_idx` ON `outbox` (`seq`) WHERE published_at IS NULL;--> statement-breakpoint
CREATE INDEX `outbox_published_idx` ON `outbox` (`published_at`) WHERE published_at IS NOT NULL;