ALTER TABLE `outbox` ADD `awaiting` text;--> statement-breakpoint
ALTER TABLE `outbox` ADD `resends` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `outbox` ADD `next_resend_at` integer;--> statement-breakpoint
CREATE INDEX `outbox_awaiting_idx` ON `outbox` (`next_resend_at`) WHERE awaiting IS NOT NULL;