CREATE TABLE `account_snapshots` (
	`customer_id` text NOT NULL,
	`version` integer NOT NULL,
	`state` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`customer_id`, `version`)
);
--> statement-breakpoint
DROP TABLE `accounts`;--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_ledger` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`seq` integer NOT NULL,
	`order_id` text,
	`kind` text NOT NULL,
	`points` integer NOT NULL,
	`reserved` integer DEFAULT 0 NOT NULL,
	`reason` text,
	`causation_id` text NOT NULL,
	`created_at` integer NOT NULL,
	CONSTRAINT "ledger_seq_positive" CHECK("__new_ledger"."seq" > 0),
	CONSTRAINT "ledger_kind_known" CHECK("__new_ledger"."kind" IN ('GRANT', 'HOLD', 'RELEASE', 'REDEEM', 'EARN', 'REFUND', 'CLAWBACK')),
	CONSTRAINT "ledger_changes_by_kind" CHECK(("__new_ledger"."kind" IN ('GRANT', 'EARN', 'REFUND') AND "__new_ledger"."points" > 0 AND "__new_ledger"."reserved" = 0)
       OR ("__new_ledger"."kind" = 'CLAWBACK' AND "__new_ledger"."points" < 0 AND "__new_ledger"."reserved" = 0)
       OR ("__new_ledger"."kind" = 'HOLD' AND "__new_ledger"."points" = 0 AND "__new_ledger"."reserved" > 0)
       OR ("__new_ledger"."kind" = 'RELEASE' AND "__new_ledger"."points" = 0 AND "__new_ledger"."reserved" < 0)
       OR ("__new_ledger"."kind" = 'REDEEM' AND "__new_ledger"."points" < 0 AND "__new_ledger"."reserved" = "__new_ledger"."points")),
	CONSTRAINT "ledger_order_unless_grant" CHECK(("__new_ledger"."kind" = 'GRANT') = ("__new_ledger"."order_id" IS NULL))
);
--> statement-breakpoint
-- Existing entries keep their meaning (a REDEEM also consumed its hold's reserved points); the
-- holds' past HOLD and RELEASE entries are rebuilt from the holds table, so the fold of the new
-- ledger gives each account the balance, reserved and lifetime_earned the accounts table had.
INSERT INTO `__new_ledger`("id", "customer_id", "seq", "order_id", "kind", "points", "reserved", "reason", "causation_id", "created_at")
SELECT "id", "customer_id",
       ROW_NUMBER() OVER (PARTITION BY "customer_id" ORDER BY "created_at", "rank", "id"),
       "order_id", "kind", "points", "reserved", "reason", "causation_id", "created_at"
  FROM (
    SELECT "id", "customer_id", "order_id", "kind", "points",
           CASE WHEN "kind" = 'REDEEM' THEN "points" ELSE 0 END AS "reserved",
           "reason", "causation_id", "created_at", 1 AS "rank"
      FROM `ledger`
    UNION ALL
    SELECT 'migrated-hold-' || "order_id", "customer_id", "order_id", 'HOLD', 0, "points",
           NULL, 'migration:0003', "created_at", 0
      FROM `holds` WHERE "points" > 0 AND "status" IN ('HELD', 'CAPTURED', 'REFUNDED', 'RELEASED', 'CANCELLED')
    UNION ALL
    SELECT 'migrated-release-' || "order_id", "customer_id", "order_id", 'RELEASE', 0, -"points",
           NULL, 'migration:0003', "updated_at", 2
      FROM `holds` WHERE "points" > 0 AND "status" IN ('RELEASED', 'CANCELLED')
  );--> statement-breakpoint
DROP TABLE `ledger`;--> statement-breakpoint
ALTER TABLE `__new_ledger` RENAME TO `ledger`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_customer_seq_idx` ON `ledger` (`customer_id`,`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_order_kind_idx` ON `ledger` (`order_id`,`kind`);