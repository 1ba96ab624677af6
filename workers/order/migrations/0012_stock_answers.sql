CREATE TABLE `stock_answers` (
	`order_id` text NOT NULL,
	`shard` integer NOT NULL,
	`answer` text NOT NULL,
	`shards` text NOT NULL,
	`event_id` text NOT NULL,
	`answered_at` integer NOT NULL,
	PRIMARY KEY(`order_id`, `shard`),
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "stock_answers_answer_valid" CHECK("stock_answers"."answer" IN ('RESERVED', 'OUT_OF_STOCK', 'UNKNOWN_PRODUCT'))
);
