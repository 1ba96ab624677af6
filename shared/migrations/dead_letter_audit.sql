CREATE TABLE `dead_letter_audit` (
	`id` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`filter` text NOT NULL,
	`count` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `dead_letter_audit_at_idx` ON `dead_letter_audit` (`at`);--> statement-breakpoint
CREATE INDEX `dead_letters_event_idx` ON `dead_letters` (`event_id`);--> statement-breakpoint
CREATE INDEX `dead_letters_resolved_idx` ON `dead_letters` (`resolved_at`) WHERE resolved_at IS NOT NULL;