CREATE TABLE `accounts` (
	`customer_id` text PRIMARY KEY NOT NULL,
	`balance` integer DEFAULT 0 NOT NULL,
	`reserved` integer DEFAULT 0 NOT NULL,
	`lifetime_earned` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "accounts_reserved_non_negative" CHECK("accounts"."reserved" >= 0),
	CONSTRAINT "accounts_lifetime_earned_non_negative" CHECK("accounts"."lifetime_earned" >= 0)
);
--> statement-breakpoint
CREATE TABLE `awards` (
	`order_id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`points` integer NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "awards_status_known" CHECK("awards"."status" IN ('AWARDED', 'REVOKED')),
	CONSTRAINT "awards_points_non_negative" CHECK("awards"."points" >= 0)
);
--> statement-breakpoint
CREATE INDEX `awards_customer_idx` ON `awards` (`customer_id`);--> statement-breakpoint
CREATE TABLE `holds` (
	`order_id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`points` integer NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "holds_status_known" CHECK("holds"."status" IN ('HELD', 'CAPTURED', 'RELEASED', 'CANCELLED', 'REFUNDED', 'FAILED')),
	CONSTRAINT "holds_points_non_negative" CHECK("holds"."points" >= 0),
	CONSTRAINT "holds_held_points_positive" CHECK("holds"."status" <> 'HELD' OR "holds"."points" > 0)
);
--> statement-breakpoint
CREATE INDEX `holds_customer_idx` ON `holds` (`customer_id`);--> statement-breakpoint
CREATE TABLE `ledger` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`order_id` text,
	`kind` text NOT NULL,
	`points` integer NOT NULL,
	`reason` text,
	`causation_id` text NOT NULL,
	`created_at` integer NOT NULL,
	CONSTRAINT "ledger_kind_known" CHECK("ledger"."kind" IN ('GRANT', 'REDEEM', 'EARN', 'REFUND', 'CLAWBACK')),
	CONSTRAINT "ledger_points_signed_by_kind" CHECK(("ledger"."kind" IN ('GRANT', 'EARN', 'REFUND') AND "ledger"."points" > 0) OR ("ledger"."kind" IN ('REDEEM', 'CLAWBACK') AND "ledger"."points" < 0)),
	CONSTRAINT "ledger_order_unless_grant" CHECK(("ledger"."kind" = 'GRANT') = ("ledger"."order_id" IS NULL))
);
--> statement-breakpoint
CREATE INDEX `ledger_customer_idx` ON `ledger` (`customer_id`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_order_kind_idx` ON `ledger` (`order_id`,`kind`);--> statement-breakpoint
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