import { OpenAPIHono, z } from "@hono/zod-openapi";
import {
  CustomerOrder,
  CustomerOrders,
  GrantInput,
  Order,
  OrderList,
  OrderPayment,
  OrderTrace,
  PlaceOrderInput,
  Product,
  ProductInput,
  REQUEST_ID_HEADER,
  RewardsAccount,
} from "../index";
import {
  DeadLetters,
  ErrorBody,
  Grant,
  KitStats,
  Ledger,
  OrderHistory,
  OutboxStatus,
  perService,
  ServiceFailure,
  ServiceName,
} from "./schemas";

/**
 * The registry the document is generated from. The OpenAPIHono instance only holds it: nothing
 * routes through it, so documenting a route never adds validation to the gateway.
 */
export const spec = new OpenAPIHono();
export const registry = spec.openAPIRegistry;

const outboxStatusExample = {
  pending: 0,
  oldestPendingAt: null,
  outboxRows: 120,
  inboxRows: 96,
  unacknowledged: { events: 2, oldestPublishedAt: 1776677399200, bySubscriber: { view: 2 } },
  relay: {
    lastRunAt: 1776677400000,
    lastSuccessAt: 1776677400000,
    lastError: null,
    lastErrorAt: null,
    consecutiveFailures: 0,
    publishedTotal: 120,
    resentTotal: 3,
    nextAlarmAt: null,
  },
};

/** Example values shown in the document; the tests check each one against its schema. */
export const examples = {
  Product: {
    schema: Product,
    value: {
      sku: "beans-1kg",
      name: "Espresso beans, 1 kg",
      priceCents: 2490,
      available: 38,
      reserved: 2,
      sold: 10,
    },
  },
  ProductInput: {
    schema: ProductInput,
    value: { name: "Espresso beans, 1 kg", priceCents: 2490, stock: 40 },
  },
  PlaceOrderInput: {
    schema: PlaceOrderInput,
    value: {
      customerId: "cust-42",
      items: [{ sku: "beans-1kg", quantity: 2 }],
      pointsToRedeem: 100,
    },
  },
  Order: {
    schema: Order,
    value: {
      id: "0196a3c2-7d1e-7b40-9a51-3f2c8e6d1a77",
      customerId: "cust-42",
      status: "PENDING",
      items: [{ sku: "beans-1kg", quantity: 2, unitPriceCents: 2490 }],
      totalCents: 4980,
      pointsRedeemed: 100,
      pointsEarned: 0,
      rejectionReason: null,
      createdAt: "2026-04-20T09:30:00.000Z",
      updatedAt: "2026-04-20T09:30:00.000Z",
    },
  },
  CustomerOrder: {
    schema: CustomerOrder,
    value: {
      id: "0196a3c2-7d1e-7b40-9a51-3f2c8e6d1a77",
      customerId: "cust-42",
      status: "CONFIRMED",
      items: [
        {
          sku: "beans-1kg",
          name: "Espresso beans, 1 kg",
          quantity: 2,
          unitPriceCents: 2490,
          currentPriceCents: 2590,
        },
      ],
      totalCents: 4980,
      pointsRedeemed: 100,
      pointsEarned: 48,
      pointsAwarded: 48,
      rejectionReason: null,
      reservation: "SOLD",
      payment: { status: "CAPTURED", amountCents: 4880 },
      createdAt: "2026-04-20T09:30:00.000Z",
      updatedAt: "2026-04-20T09:30:01.200Z",
    },
  },
  OrderPayment: {
    schema: OrderPayment,
    value: {
      orderId: "0196a3c2-7d1e-7b40-9a51-3f2c8e6d1a77",
      status: "CAPTURED",
      amountCents: 4880,
    },
  },
  RewardsAccount: {
    schema: RewardsAccount,
    value: { customerId: "cust-42", balance: 400, reserved: 100, lifetimeEarned: 500 },
  },
  GrantInput: { schema: GrantInput, value: { points: 500, reason: "welcome bonus" } },
  ErrorBody: {
    schema: ErrorBody,
    value: {
      error: {
        code: "VALIDATION_FAILED",
        message: "invalid json",
        details: [{ path: "items.0.quantity", message: "Too small: expected number to be >=1" }],
      },
    },
  },
  AdminOutboxPartial: {
    schema: ErrorBody.extend(perService(z.union([OutboxStatus, ServiceFailure])).shape),
    value: {
      error: {
        code: "UPSTREAM_FAILED",
        message: "rewards did not answer /admin/outbox",
        details: [{ path: "services.rewards", message: "failed" }],
      },
      services: {
        order: outboxStatusExample,
        inventory: outboxStatusExample,
        payment: outboxStatusExample,
        rewards: {
          error: { code: "UPSTREAM_UNAVAILABLE", message: "the rewards service did not answer" },
        },
      },
    },
  },
  AdminStatsPartial: {
    schema: ErrorBody.extend(perService(z.union([KitStats, ServiceFailure])).shape),
    value: {
      error: {
        code: "UPSTREAM_FAILED",
        message: `${ServiceName.options.join(", ")} did not answer /admin/stats`,
        details: ServiceName.options.map((service) => ({
          path: `services.${service}`,
          message: "failed",
        })),
      },
      services: Object.fromEntries(
        ServiceName.options.map((service) => [
          service,
          {
            error: {
              code: "UPSTREAM_UNAVAILABLE",
              message: `the ${service} service did not answer`,
            },
          },
        ]),
      ),
    },
  },
  AdminDeadLettersPartial: {
    schema: ErrorBody.extend(perService(z.union([DeadLetters, ServiceFailure])).shape),
    value: {
      error: {
        code: "UPSTREAM_FAILED",
        message: "order did not answer /admin/dead-letters",
        details: [{ path: "services.order", message: "failed" }],
      },
      services: {
        order: { error: { code: "INTERNAL", message: "internal error", status: 500 } },
        inventory: { deadLetters: [] },
        rewards: { deadLetters: [] },
        payment: { deadLetters: [] },
      },
    },
  },
} satisfies Record<string, { schema: z.ZodType; value: unknown }>;

/**
 * contracts' schemas were built before @hono/zod-openapi extended zod, so they lack `.openapi()`;
 * zod's own `.meta({ id })` names them instead, which the generator reads the same way.
 */
const fromContracts = <K extends keyof typeof examples>(name: K) =>
  // The cast keeps K's own schema (not the union of all of them) for the typed client.
  examples[name].schema.meta({
    id: name,
    example: examples[name].value,
  }) as (typeof examples)[K]["schema"];

/** The named schemas, `#/components/schemas/<name>`; routes must use these to get a `$ref`. */
export const schemas = {
  ErrorBody: registry.register(
    "ErrorBody",
    ErrorBody.openapi({ example: examples.ErrorBody.value }),
  ),
  Product: fromContracts("Product"),
  ProductInput: fromContracts("ProductInput"),
  PlaceOrderInput: fromContracts("PlaceOrderInput"),
  Order: fromContracts("Order"),
  OrderPayment: fromContracts("OrderPayment"),
  RewardsAccount: fromContracts("RewardsAccount"),
  CustomerOrder: fromContracts("CustomerOrder"),
  GrantInput: fromContracts("GrantInput"),
  OrderHistory: registry.register("OrderHistory", OrderHistory),
  Ledger: registry.register("Ledger", Ledger),
  OutboxStatus: registry.register("OutboxStatus", OutboxStatus),
  DeadLetters: registry.register("DeadLetters", DeadLetters),
  KitStats: registry.register("KitStats", KitStats),
  OrderTrace: OrderTrace.meta({ id: "OrderTrace" }),
  ServiceFailure: registry.register("ServiceFailure", ServiceFailure),
};

/** Composites of the named schemas, so they point at them instead of repeating them. */
export const composites = {
  ProductList: registry.register(
    "ProductList",
    z.object({ products: z.array(schemas.Product).meta({ description: "Ordered by SKU." }) }),
  ),
  CustomerOrders: CustomerOrders.extend({
    orders: z.array(schemas.CustomerOrder).meta({ description: "Newest first." }),
  }).meta({
    id: "CustomerOrders",
    description: "One page; pass `nextCursor` as `cursor` for the next, null on the last.",
  }),
  // contracts' OrderList with its orders pointing at the named Order.
  OrderList: OrderList.extend({
    orders: z.array(schemas.Order).meta({ description: "Newest first." }),
  }).meta({
    id: "OrderList",
    description: "One page; pass `nextCursor` as `cursor` for the next, null on the last.",
  }),
  GrantAnswer: registry.register(
    "GrantAnswer",
    z.object({ grant: Grant, account: schemas.RewardsAccount }),
  ),
  AdminOutbox: registry.register("AdminOutbox", perService(schemas.OutboxStatus)),
  AdminDeadLetters: registry.register("AdminDeadLetters", perService(schemas.DeadLetters)),
  AdminStats: registry.register("AdminStats", perService(schemas.KitStats)),
  AdminStatsPartial: registry.register(
    "AdminStatsPartial",
    schemas.ErrorBody.extend(
      perService(z.union([schemas.KitStats, schemas.ServiceFailure])).shape,
    ).openapi({ example: examples.AdminStatsPartial.value }),
  ),
  // ErrorBody plus the services' slots: `allOf` the named ErrorBody in the document.
  AdminOutboxPartial: registry.register(
    "AdminOutboxPartial",
    schemas.ErrorBody.extend(
      perService(z.union([schemas.OutboxStatus, schemas.ServiceFailure])).shape,
    ).openapi({ example: examples.AdminOutboxPartial.value }),
  ),
  AdminDeadLettersPartial: registry.register(
    "AdminDeadLettersPartial",
    schemas.ErrorBody.extend(
      perService(z.union([schemas.DeadLetters, schemas.ServiceFailure])).shape,
    ).openapi({ example: examples.AdminDeadLettersPartial.value }),
  ),
};

/** Operators: the gateway's own secret token. Never interchangeable with a customer's token. */
export const ADMIN_SECURITY = "adminBearer";
registry.registerComponent("securitySchemes", ADMIN_SECURITY, {
  type: "http",
  scheme: "bearer",
  description:
    "Operators: `Authorization: Bearer <ADMIN_TOKEN>`. On an admin-only operation: missing, " +
    "401 UNAUTHORIZED; wrong (a customer's access token included), 403 FORBIDDEN; no token " +
    "configured on the gateway, 503 ADMIN_DISABLED. On a customer operation an admin acts for " +
    "any customer (each operation says how).",
});

/** Customers: a signed access token from the identity provider; the customer is its `sub`. */
export const CUSTOMER_SECURITY = "customerBearer";
registry.registerComponent("securitySchemes", CUSTOMER_SECURITY, {
  type: "http",
  scheme: "bearer",
  bearerFormat: "JWT",
  description:
    "Customers: `Authorization: Bearer <access token>`, a JWT signed ES256 or RS256 by a key of " +
    "the identity provider's JWKS (chosen by `kid`), with the gateway's `iss` and `aud`, within " +
    "its `exp`/`nbf` (30 s of clock skew allowed). The customer is the token's `sub` " +
    "(`^[A-Za-z0-9._-]{1,64}$`, not `me`). Missing or not valid: 401 UNAUTHENTICATED with " +
    '`WWW-Authenticate: Bearer realm="edge-saga"` (RFC 6750: `error="invalid_token"` when a token ' +
    "was sent). In production the provider is configured on the gateway (AUTH_ISSUER, " +
    "AUTH_AUDIENCE, AUTH_JWKS_URL); locally `POST /auth/dev/token` issues one.",
});

/** Every answer carries the request id; one header component they all point at. */
export const requestIdHeader = registry.registerComponent("headers", "RequestId", {
  description:
    "Id of this request: the caller's well-formed `x-request-id` (^[A-Za-z0-9._-]{1,64}$) or a " +
    "fresh UUIDv7. Quote it when reporting a problem; the services log it.",
  required: true,
  schema: { $ref: "#/components/schemas/RequestId" },
});

/**
 * The optional incoming request id, a parameter of every operation. Any string: one that does
 * not match is replaced, never refused, so the services (which validate with these same route
 * definitions) must not refuse it either.
 */
export const requestIdParam = registry.registerParameter(
  "RequestId",
  z
    .string()
    .optional()
    .openapi({
      param: {
        name: REQUEST_ID_HEADER,
        in: "header",
        description:
          "Your own id for this request (`^[A-Za-z0-9._-]{1,64}$`), to trace it through the " +
          "services; one that does not match is replaced by a fresh id.",
      },
    }),
);
