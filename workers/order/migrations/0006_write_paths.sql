CREATE TABLE `early_replies` (
	`event_id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`body` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `early_replies_order_idx` ON `early_replies` (`order_id`,`received_at`);--> statement-breakpoint
ALTER TABLE `orders` ADD `write_path` text DEFAULT 'outbox' NOT NULL;