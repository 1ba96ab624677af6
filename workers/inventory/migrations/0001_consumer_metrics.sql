CREATE TABLE `consumer_metrics` (
	`metric` text NOT NULL,
	`minute` integer NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`metric`, `minute`)
);
