CREATE TABLE `cdc_sequences` (
	`aggregate_type` text NOT NULL,
	`aggregate_id` text NOT NULL,
	`sequence` integer NOT NULL,
	PRIMARY KEY(`aggregate_type`, `aggregate_id`)
);
