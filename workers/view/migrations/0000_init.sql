CREATE TABLE `consumer_metrics` (
	`metric` text NOT NULL,
	`minute` integer NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`metric`, `minute`)
);
--> statement-breakpoint
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
	`processed_at` integer NOT NULL,
	`attempts` integer DEFAULT 1 NOT NULL,
	`duplicates` integer DEFAULT 0 NOT NULL,
	`last_duplicate_at` integer
);
--> statement-breakpoint
CREATE INDEX `inbox_processed_idx` ON `inbox` (`processed_at`);--> statement-breakpoint
CREATE INDEX `inbox_correlation_idx` ON `inbox` (`correlation_id`);--> statement-breakpoint
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
CREATE INDEX `outbox_correlation_idx` ON `outbox` (`correlation_id`);--> statement-breakpoint
CREATE INDEX `outbox_pending_idx` ON `outbox` (`seq`) WHERE published_at IS NULL;--> statement-breakpoint
CREATE INDEX `outbox_published_idx` ON `outbox` (`published_at`) WHERE published_at IS NOT NULL;--> statement-breakpoint
CREATE TABLE `view_order_lines` (
	`order_id` text NOT NULL,
	`sku` text NOT NULL,
	`quantity` integer NOT NULL,
	`unit_price_cents` integer NOT NULL,
	PRIMARY KEY(`order_id`, `sku`)
);
--> statement-breakpoint
CREATE TABLE `view_orders` (
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
	`placed_at` integer,
	`updated_at` integer NOT NULL,
	CONSTRAINT "view_orders_status" CHECK("view_orders"."status" IN ('PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED')),
	CONSTRAINT "view_orders_stock" CHECK("view_orders"."stock" IN ('PENDING', 'RESERVED', 'FAILED'))
);
--> statement-breakpoint
CREATE INDEX `view_orders_customer_idx` ON `view_orders` (`customer_id`,`order_id`);--> statement-breakpoint
CREATE TABLE `view_products` (
	`sku` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`price_cents` integer NOT NULL,
	`version` integer NOT NULL
);
