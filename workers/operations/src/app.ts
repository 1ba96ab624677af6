import { REQUEST_ID_HEADER } from "@edge-saga/contracts";
import { adminRoutes, orderRoutes } from "@edge-saga/contracts/http";
import { contractRoutes, newId, notFound, onError } from "@edge-saga/shared";
import { consistency } from "./consistency/route";
import { dashboard } from "./dashboard/route";
import { aggregate } from "./routes/aggregate";
import { bulkDeadLetters, deadLetterAudit } from "./routes/dead-letter-bulk";
import { orderTrace } from "./trace/route";
import type { OperationsEnv } from "./types";

/**
 * The operations tools, reached only through the gateway's service binding (it checks ids,
 * the admin token and limits; this Worker has no public route). Each is served at its public
 * path from its contract definition, which validates what the gateway forwards.
 */
export const app = contractRoutes<OperationsEnv>();
// The gateway's request id, so one id follows the request into every service asked.
app.use(async (c, next) => {
  c.set("requestId", c.req.header(REQUEST_ID_HEADER) ?? newId());
  await next();
});
app.route("/", dashboard);
app
  .openapi(adminRoutes.getAdminConsistency, consistency)
  .openapi(orderRoutes.getOrderTrace, orderTrace)
  // Each service's kit route of the same path, side by side.
  .openapi(adminRoutes.getAdminOutbox, (c) => aggregate(c, c.req.path))
  .openapi(adminRoutes.getAdminDeadLetters, (c) => aggregate(c, c.req.path))
  .openapi(adminRoutes.getAdminStats, (c) => aggregate(c, c.req.path))
  .openapi(adminRoutes.replayAdminDeadLetters, (c) =>
    bulkDeadLetters("replay")(c, c.req.valid("json")),
  )
  .openapi(adminRoutes.discardAdminDeadLetters, (c) =>
    bulkDeadLetters("discard")(c, c.req.valid("json")),
  )
  .openapi(adminRoutes.getAdminDeadLetterAudit, deadLetterAudit);
app.onError(onError);
app.notFound(notFound);
