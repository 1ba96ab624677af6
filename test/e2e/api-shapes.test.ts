import {
  adminRoutes,
  customerRoutes,
  orderRoutes,
  productRoutes,
  serviceAdminRoutes,
} from "@edge-saga/contracts/http";
import type { RouteConfig } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import type { ZodType } from "zod";
import { api } from "./support/api";
import { Scenario } from "./support/scenario";
import { waitForQuiet } from "./support/wait";

/**
 * The answers the OpenAPI document promises are the answers the running system gives: every
 * documented GET that answers JSON is called on a real order's saga and its 200 body parsed
 * with the schema the document names. The schemas for the kit's admin routes and some service
 * answers are written in contracts beside the others; this is what keeps them in step.
 */
const documentedGets = [
  ...Object.values(productRoutes),
  ...Object.values(orderRoutes),
  ...Object.values(customerRoutes),
  ...Object.values(adminRoutes),
  // Services' admin answers described for the typed client (the dashboard reads them).
  ...Object.values(serviceAdminRoutes),
].filter(
  (route: RouteConfig) =>
    route.method === "get" && !route.path.includes("{service}") && jsonSchemaOf(route),
);

function jsonSchemaOf(route: RouteConfig): ZodType | undefined {
  const ok = route.responses[200];
  const content = ok && "content" in ok ? ok.content : undefined;
  const media = content?.["application/json"];
  return media && "schema" in media ? (media.schema as ZodType) : undefined;
}

describe("the documented answers", () => {
  it("every documented GET answers what the document says, on a real saga", async () => {
    const scenario = new Scenario("shapes");
    const sku = await scenario.product({ priceCents: 1200, stock: 5 });
    const customer = scenario.customer();
    await scenario.grant(customer, 100);
    await scenario.settle();
    const order = await scenario.placeOrder({
      customerId: customer,
      items: [{ sku, quantity: 1 }],
      pointsToRedeem: 50,
    });
    await waitForQuiet();
    const params: Record<string, string> = { sku, id: order.id };
    const checked: string[] = [];
    for (const route of documentedGets) {
      const path = route.path
        // `{id}` is the customer's under /customers, the order's under /orders.
        .replace(/^\/customers\/\{id\}/, `/customers/${customer}`)
        .replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? name);
      const query = route.path === "/orders" ? `?customerId=${customer}` : "";
      // Admin routes with the admin token, the rest as the customer whose order it is.
      const admin = route.path.startsWith("/admin");
      const answer = await api.request("GET", path + query, admin ? { admin } : { as: customer });
      expect(answer.status, `GET ${path}${query}: ${JSON.stringify(answer.body)}`).toBe(200);
      const parsed = jsonSchemaOf(route)?.safeParse(answer.body);
      expect(parsed?.success, `GET ${route.path}: ${parsed?.error?.message}`).toBe(true);
      checked.push(route.path);
    }
    expect(checked).toEqual(
      expect.arrayContaining([
        "/orders/{id}/trace",
        "/customers/{id}/rewards/history",
        "/admin/stats",
        "/admin/dead-letters",
        "/admin/consistency",
        "/admin/order/orders/recent",
      ]),
    );
  }, 60_000);
});
