CREATE TABLE `deliveries` (
	`event_id` text PRIMARY KEY NOT NULL,
	`count` integer NOT NULL
);
