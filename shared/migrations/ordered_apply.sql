CREATE TABLE `ordered_applied` (
	`source` text NOT NULL,
	`aggregate_type` text NOT NULL,
	`aggregate_id` text NOT NULL,
	`sequence` integer NOT NULL,
	`previous` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`source`, `aggregate_type`, `aggregate_id`),
	CONSTRAINT "ordered_applied_follows" CHECK("ordered_applied"."sequence" = "ordered_applied"."previous" + 1)
);
--> statement-breakpoint
CREATE TABLE `ordered_held` (
	`event_id` text PRIMARY KEY NOT NULL,
	`source` text NOT NULL,
	`aggregate_type` text NOT NULL,
	`aggregate_id` text NOT NULL,
	`sequence` integer NOT NULL,
	`type` text NOT NULL,
	`body` text NOT NULL,
	`held_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`applied_when_held` integer NOT NULL,
	CONSTRAINT "ordered_held_gap_open" CHECK("ordered_held"."applied_when_held" < "ordered_held"."sequence" - 1)
);
--> statement-breakpoint
CREATE INDEX `ordered_held_key_idx` ON `ordered_held` (`source`,`aggregate_type`,`aggregate_id`,`sequence`);--> statement-breakpoint
CREATE INDEX `ordered_held_expires_idx` ON `ordered_held` (`expires_at`);