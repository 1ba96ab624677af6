CREATE TABLE `effect_attempts` (
	`key` text NOT NULL,
	`attempt` integer NOT NULL,
	`started_at` integer NOT NULL,
	`ms` integer NOT NULL,
	`result` text NOT NULL,
	`detail` text,
	PRIMARY KEY(`key`, `attempt`)
);
--> statement-breakpoint
CREATE TABLE `effects` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`kind` text NOT NULL,
	`subject` text NOT NULL,
	`correlation_id` text NOT NULL,
	`request` text NOT NULL,
	`status` text NOT NULL,
	`outcome` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL,
	`done_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `effects_key_unique` ON `effects` (`key`);--> statement-breakpoint
CREATE INDEX `effects_pending_idx` ON `effects` (`next_attempt_at`) WHERE status = 'PENDING';--> statement-breakpoint
CREATE INDEX `effects_subject_idx` ON `effects` (`subject`,`seq`);--> statement-breakpoint
CREATE INDEX `effects_correlation_idx` ON `effects` (`correlation_id`);--> statement-breakpoint
CREATE INDEX `effects_done_idx` ON `effects` (`done_at`) WHERE done_at IS NOT NULL;