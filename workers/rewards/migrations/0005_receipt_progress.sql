CREATE TABLE `receipt_progress` (
	`subscriber` text PRIMARY KEY NOT NULL,
	`acked_seq` integer NOT NULL,
	`acked_at` integer NOT NULL
);
