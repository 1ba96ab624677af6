import { Hono } from "hono";
import { requireAdmin } from "../middleware/admin-auth";
import { jsonBody } from "../middleware/json-body";
import { validIds } from "../middleware/valid-ids";
import { forward } from "../proxy/forward";
import type { GatewayEnv } from "../types";

/** `/customers/:id/rewards*` -> rewards (mounted at `/customers`). Granting points is an admin action. */
export const rewards = new Hono<GatewayEnv>()
  .get("/:id/rewards", validIds, (c) =>
    forward(c, "rewards", `/customers/${c.req.param("id")}/rewards`),
  )
  // The balance changes of the account (grants, redemptions, earnings, refunds, clawbacks).
  .get("/:id/rewards/ledger", validIds, (c) =>
    forward(c, "rewards", `/customers/${c.req.param("id")}/rewards/ledger`),
  )
  // Every entry the account is folded from, paged.
  .get("/:id/rewards/history", validIds, (c) =>
    forward(c, "rewards", `/customers/${c.req.param("id")}/rewards/history`),
  )
  .post("/:id/rewards/grants", requireAdmin, validIds, jsonBody({ required: true }), (c) =>
    forward(c, "rewards", `/customers/${c.req.param("id")}/rewards/grants`),
  );
