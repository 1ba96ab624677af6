import type { Context } from "hono";
import type { OperationsEnv } from "../types";
import { checkConsistency } from "./check";
import { collectSnapshot } from "./collect";

/**
 * `GET /admin/consistency` (admin): reads the whole system and checks design.md's invariants.
 * `{ ok, checkedAt, counts, violations: [{ invariant, message, ids }] }`; meaningful once the
 * system is quiet (nothing in flight), which is when the invariants must hold.
 */
export const consistency = async (c: Context<OperationsEnv>) =>
  c.json(checkConsistency(await collectSnapshot(c.env, c.get("requestId"))), 200);
