import { catalog } from "@edge-saga/contracts";
import { inboxDeadLetterSuite } from "@edge-saga/kit-testing";

inboxDeadLetterSuite(
  catalog,
  "ProductUpserted",
  { sku: "dl-sku", name: "Dead letter lamp", price: { amountCents: 100, currency: "USD" } },
  "SELECT COUNT(*) AS n FROM catalog_products WHERE sku = 'dl-sku'",
);
