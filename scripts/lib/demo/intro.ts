/** The demo's opening: the four services, how they talk, and how to read the times. */
import type { Context } from "./world";

export function printIntro(ctx: Context) {
  const { out, client, run } = ctx;
  out.line(out.bold("edge-saga demo: one order saga, step by step"));
  out.line(
    `gateway ${client.baseUrl}   run ${run} (its own customers and products, so it can run again)`,
  );
  out.line();
  out.line(
    "Four services, each with its own database; no service calls another, no distributed transaction:",
  );
  out.line(
    `  ${out.tag("order")} owns orders: places them PENDING, hears the answers, decides CONFIRMED or REJECTED`,
  );
  out.line(
    `  ${out.tag("inventory")} reserves stock for an order, all lines or none (else OUT_OF_STOCK)`,
  );
  out.line(
    `  ${out.tag("rewards")} holds the points to redeem (else INSUFFICIENT_POINTS), awards earned points`,
  );
  out.line(
    `  ${out.tag("payment")} has the card processor hold what points do not pay (else PAYMENT_DECLINED), captures it once CONFIRMED, voids or refunds it`,
  );
  out.line(
    "They talk only through events: state + outbox row in one D1 batch → relay → queue → the other's inbox.",
  );
  out.line(
    out.dim(
      "Times are ms since the request. '+' = when the order service recorded a step (GET /orders/{id}/history);\n" +
        "'~' = when the demo saw stock, points or the card payment change (GET /products/{sku},\n" +
        "GET /customers/{id}/rewards, GET /orders/{id}/payment).",
    ),
  );
}
