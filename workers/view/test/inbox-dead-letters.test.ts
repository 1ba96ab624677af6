import { catalog } from "@edge-saga/contracts";
import { inboxDeadLetterSuite } from "@edge-saga/kit-testing";

inboxDeadLetterSuite(
  catalog,
  "OrderRejected",
  { orderId: "ord-dl-1", customerId: "c1", reason: "TIMED_OUT" },
  "SELECT COUNT(*) AS n FROM view_orders WHERE order_id = 'ord-dl-1'",
);
