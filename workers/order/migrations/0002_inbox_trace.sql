ALTER TABLE `inbox` ADD `attempts` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `inbox` ADD `duplicates` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `inbox` ADD `last_duplicate_at` integer;--> statement-breakpoint
CREATE INDEX `inbox_correlation_idx` ON `inbox` (`correlation_id`);--> statement-breakpoint
CREATE INDEX `outbox_correlation_idx` ON `outbox` (`correlation_id`);