CREATE TABLE `cdc_sequences` (
	`aggregate_type` text NOT NULL,
	`aggregate_id` text NOT NULL,
	`sequence` integer NOT NULL,
	PRIMARY KEY(`aggregate_type`, `aggregate_id`)
);
--> statement-breakpoint
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
CREATE INDEX `effects_done_idx` ON `effects` (`done_at`) WHERE done_at IS NOT NULL;--> statement-breakpoint
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
	`published_at` integer,
	`awaiting` text,
	`resends` integer DEFAULT 0 NOT NULL,
	`next_resend_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_event_id_unique` ON `outbox` (`event_id`);--> statement-breakpoint
CREATE INDEX `outbox_correlation_idx` ON `outbox` (`correlation_id`);--> statement-breakpoint
CREATE INDEX `outbox_pending_idx` ON `outbox` (`seq`) WHERE published_at IS NULL;--> statement-breakpoint
CREATE INDEX `outbox_published_idx` ON `outbox` (`published_at`) WHERE published_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `outbox_awaiting_idx` ON `outbox` (`next_resend_at`) WHERE awaiting IS NOT NULL;--> statement-breakpoint
CREATE TABLE `receipt_progress` (
	`subscriber` text PRIMARY KEY NOT NULL,
	`acked_seq` integer NOT NULL,
	`acked_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `payments` (
	`order_id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`payment_method` text,
	`requested` text NOT NULL,
	`status` text NOT NULL,
	`intent_id` text,
	`decline_reason` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "payments_requested_check" CHECK("payments"."requested" IN ('NOT_REQUIRED', 'AUTHORIZE', 'CAPTURE', 'VOID', 'REFUND', 'CLOSED')),
	CONSTRAINT "payments_status_check" CHECK("payments"."status" IN ('NOT_REQUIRED', 'PENDING', 'AUTHORIZED', 'DECLINED', 'CAPTURED', 'VOIDED', 'REFUNDED')),
	CONSTRAINT "payments_amount_check" CHECK("payments"."amount_cents" >= 0)
);
