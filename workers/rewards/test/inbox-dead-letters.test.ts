import { catalog } from "@edge-saga/contracts";
import { inboxDeadLetterSuite } from "@edge-saga/kit-testing";

inboxDeadLetterSuite(
  catalog,
  "OrderRejected",
  { orderId: "ord-dl-1", customerId: "c1", reason: "INSUFFICIENT_POINTS" },
  "SELECT COUNT(*) AS n FROM holds WHERE order_id = 'ord-dl-1'",
);
