import { REQUEST_ID_HEADER } from "@edge-saga/contracts";
import {
  examples,
  gatewayRouteTables,
  kitAdminGatewayRoutes,
  openApiDocument,
} from "@edge-saga/contracts/http";
import { inspectRoutes } from "hono/dev";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import { DOCS_BUNDLE_PATH } from "../src/routes/reference";
import { call, errorCode } from "./helpers";

interface Schema {
  $ref?: string;
  allOf?: Schema[];
  required?: string[];
  additionalProperties?: unknown;
  properties?: Record<string, Schema>;
  items?: Schema;
}
interface Operation {
  operationId: string;
  summary: string;
  security?: Record<string, string[]>[];
  parameters?: {
    $ref?: string;
    name?: string;
    in?: string;
    required?: boolean;
    schema?: { enum?: unknown[] };
  }[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<
    string,
    { headers?: Record<string, { $ref?: string }>; content?: Record<string, { schema: Schema }> }
  >;
}
interface Doc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, Schema>;
    securitySchemes: Record<string, { type: string; scheme: string }>;
    parameters: Record<string, unknown>;
    headers: Record<string, unknown>;
  };
}

const doc = openApiDocument() as unknown as Doc;
const METHODS = ["get", "put", "post", "patch", "delete"];
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Every documented operation as `[METHOD, /path/{param}, operation]`. */
const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, op]) => [method.toUpperCase(), path, op] as const),
);

/** A documented path with each `{param}` filled in, as a client would call it. */
const filled = (path: string) => path.replace(/\{[^}]+\}/g, "x1");

function resolve(schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace("#/components/schemas/", "");
  const target = doc.components.schemas[name];
  if (!target) throw new Error(`unresolved ${schema.$ref}`);
  return target;
}

const ERROR_BODY = "#/components/schemas/ErrorBody";
/** ErrorBody itself, or a named schema that is ErrorBody plus more (`allOf`). */
const refersToErrorBody = (schema: Schema): boolean =>
  schema.$ref === ERROR_BODY ||
  (resolve(schema).allOf ?? []).some((part) => part.$ref === ERROR_BODY);

describe("gateway OpenAPI document", () => {
  it("looks like an OpenAPI 3.1 document", () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBeTruthy();
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
    expect(doc.components.schemas.ErrorBody).toBeDefined();
    expect(doc.components.securitySchemes.adminBearer).toMatchObject({
      type: "http",
      scheme: "bearer",
    });
    expect(doc.components.securitySchemes.customerBearer).toMatchObject({
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
    });
    const ids = documented.map(([, , op]) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [method, path, op] of documented) {
      expect(op.summary, `${method} ${path}`).toBeTruthy();
      for (const name of path.match(/\{([^}]+)\}/g) ?? []) {
        const param = op.parameters?.find((p) => `{${p.name}}` === name && p.in === "path");
        expect(param?.required, `${method} ${path} documents ${name}`).toBe(true);
      }
    }
  });

  it("has every $ref pointing at a component that exists", () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const [, kind, name] = /#\/components\/([^/]+)\/([^"]+)"/.exec(ref) ?? [];
      expect(
        (doc.components as Record<string, Record<string, unknown>>)[kind!]?.[name!],
        ref,
      ).toBeDefined();
    }
  });

  it("has nothing served outside the documented routes", () => {
    // `mount` serves and documents each route; a handler added beside it would be undocumented.
    const servedPaths = new Set(
      inspectRoutes(app)
        .filter((route) => !route.isMiddleware)
        .map((route) => route.path),
    );
    expect(servedPaths.size).toBe(new Set(documented.map(([, path]) => path)).size);
  });

  it("documents exactly the contract's public routes (what contracts' Redocly lint test lints)", () => {
    const operationIds = Object.values(openApiDocument().paths ?? {}).flatMap((item) =>
      Object.values(item as Record<string, Operation>).map((operation) => operation.operationId),
    );
    const contract = gatewayRouteTables
      .flatMap((routes) => Object.values(routes))
      .map((route) => route.operationId);
    expect(operationIds.sort()).toEqual(contract.sort());
  });

  it("serves every kit admin route at its own methods: another method on its path is a 405", async () => {
    const byPath = new Map<string, string[]>();
    for (const route of Object.values(kitAdminGatewayRoutes)) {
      const methods = byPath.get(route.path) ?? [];
      byPath.set(route.path, [...methods, route.method.toUpperCase()]);
      expect(doc.paths[route.path]?.[route.method], `${route.method} ${route.path}`).toBeDefined();
    }
    for (const [path, methods] of byPath) {
      const other = ["PATCH", "DELETE", "PUT"].find((method) => !methods.includes(method))!;
      const res = await call(filled(path).replace("/x1/", "/order/"), {
        method: other,
        headers: { authorization: "Bearer test-admin-token" },
      });
      expect(res.status, `${other} ${path}`).toBe(405);
      const allow = res.headers.get("allow")?.split(", ") ?? [];
      expect(allow.sort(), path).toEqual(methods.sort());
    }
  });

  it("names the public API's routes with their methods", () => {
    const keys = documented.map(([method, path]) => `${method} ${path}`);
    expect(keys).toEqual(
      expect.arrayContaining([
        "GET /products",
        "GET /products/{sku}",
        "PUT /products/{sku}",
        "POST /orders",
        "GET /orders",
        "GET /orders/{id}",
        "GET /orders/{id}/history",
        "POST /orders/{id}/cancel",
        "GET /customers/{id}/rewards",
        "GET /customers/{id}/rewards/ledger",
        "GET /customers/{id}/rewards/history",
        "POST /customers/{id}/rewards/grants",
        "GET /admin/outbox",
        "GET /admin/dead-letters",
        "GET /admin/{service}/{path}",
        "POST /admin/{service}/{path}",
        "GET /admin/{service}/outbox",
        "GET /admin/{service}/stats",
        "GET /admin/{service}/dead-letters",
        "POST /admin/{service}/dead-letters/{id}/replay",
        "GET /admin/{service}/trace/{correlationId}",
        "PUT /admin/{service}/faults",
        "GET /openapi.json",
        "GET /docs",
      ]),
    );
  });

  it("describes POST /orders with the contracts schema: required fields, nothing unknown", () => {
    const op = doc.paths["/orders"]?.post;
    expect(op?.requestBody?.required).toBe(true);
    const body = op!.requestBody!.content["application/json"]!.schema;
    expect(body.$ref).toBe("#/components/schemas/PlaceOrderInput");
    const input = resolve(body);
    // The customer is the caller; a body customerId is optional (and must be hers).
    expect(input.required).toEqual(["items"]);
    expect(input.required).not.toContain("pointsToRedeem");
    expect(input.additionalProperties).toBe(false);
    expect(input.properties?.items).toMatchObject({ type: "array", minItems: 1, maxItems: 50 });
    expect(input.properties?.items?.items).toMatchObject({
      additionalProperties: false,
      required: ["sku", "quantity"],
      properties: { quantity: { minimum: 1, maximum: 1000 } },
    });
    expect(op?.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "Idempotency-Key", in: "header", required: false }),
      ]),
    );
    expect(op?.responses["202"]?.headers).toHaveProperty("Location");
    expect(op?.responses["202"]?.content?.["application/json"]?.schema.$ref).toBe(
      "#/components/schemas/Order",
    );
    for (const status of ["400", "409", "413", "415", "422", "502"]) {
      expect(op?.responses[status], status).toBeDefined();
    }
  });

  it("describes GET /orders's query with the contracts schema", () => {
    const params = doc.paths["/orders"]?.get?.parameters ?? [];
    expect(params).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "customerId", in: "query", required: false }),
        expect.objectContaining({ name: "cursor", in: "query", required: false }),
        expect.objectContaining({
          name: "limit",
          in: "query",
          required: false,
          schema: expect.objectContaining({ minimum: 1, maximum: 100, default: 20 }),
        }),
      ]),
    );
  });

  it("puts each bearer scheme on exactly the routes that answer 401 for it without a token", async () => {
    const customer = [{ customerBearer: [] }, { adminBearer: [] }];
    for (const [method, path, op] of documented) {
      const res = await call(filled(path), {
        method,
        headers: { "content-type": "application/json" },
      });
      const what = `${method} ${path}`;
      if (res.status !== 401) {
        expect(op.security ?? [], what).toEqual([]);
        expect(op.responses["401"], what).toBeUndefined();
        continue;
      }
      const challenge = res.headers.get("www-authenticate") ?? "";
      if (challenge.startsWith('Bearer realm="edge-saga"')) {
        expect(await errorCode(res), what).toBe("UNAUTHENTICATED");
        expect(op.security, what).toEqual(customer);
        expect(op.responses["401"], what).toBeDefined();
      } else {
        expect(challenge, what).toBe('Bearer realm="edge-saga-admin"');
        expect(op.security, what).toEqual([{ adminBearer: [] }]);
        for (const status of ["401", "403", "503"])
          expect(op.responses[status], `${what} ${status}`).toBeDefined();
      }
    }
    const secured = (security: unknown) =>
      documented
        .filter(([, , op]) => JSON.stringify(op.security) === JSON.stringify(security))
        .map(([m, p]) => `${m} ${p}`);
    expect(secured([{ adminBearer: [] }])).toEqual(
      expect.arrayContaining([
        "PUT /products/{sku}",
        "POST /customers/{id}/rewards/grants",
        "GET /admin/outbox",
        "GET /admin/dead-letters",
        "GET /admin/consistency",
        "GET /admin/{service}/{path}",
      ]),
    );
    expect(secured(customer).sort()).toEqual(
      [
        "POST /orders",
        "GET /orders",
        "GET /orders/{id}",
        "GET /orders/{id}/history",
        "GET /orders/{id}/payment",
        "GET /orders/{id}/trace",
        "POST /orders/{id}/cancel",
        "GET /customers/{id}/orders",
        "GET /customers/{id}/rewards",
        "GET /customers/{id}/rewards/ledger",
        "GET /customers/{id}/rewards/history",
      ].sort(),
    );
  });

  it("documents the 403 of every customer operation that can name another customer", () => {
    for (const [method, path, op] of documented) {
      const names = path.startsWith("/customers/") || path === "/orders";
      if (names && op.security?.length === 2) {
        expect(op.responses["403"], `${method} ${path}`).toBeDefined();
      }
    }
  });

  it("answers errors with ErrorBody and every answer with the request id header", () => {
    for (const [method, path, op] of documented) {
      const statuses = Object.keys(op.responses);
      expect(
        statuses.some((s) => s.startsWith("2")),
        `${method} ${path} has a success`,
      ).toBe(true);
      // A parameter that is not one of a few names is checked (400); `{service}` is routed (404).
      if (op.parameters?.some((p) => p.in === "path" && !p.schema?.enum))
        expect(statuses, `${method} ${path}`).toContain("400");
      if (op.requestBody)
        expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(["413", "415"]));
      for (const [status, response] of Object.entries(op.responses)) {
        expect(response.headers?.[REQUEST_ID_HEADER]?.$ref, `${method} ${path} ${status}`).toBe(
          "#/components/headers/RequestId",
        );
        if (Number(status) >= 400) {
          const schema = response.content?.["application/json"]?.schema;
          expect(schema && refersToErrorBody(schema), `${method} ${path} ${status}`).toBe(true);
        }
      }
    }
    const errorBody = doc.components.schemas.ErrorBody!;
    expect(errorBody.required).toEqual(["error"]);
    expect(errorBody.properties?.error?.required).toEqual(["code", "message"]);
    expect(errorBody.properties?.error?.properties).toHaveProperty("details");
  });

  it("documents 502 on every route that reaches a service", () => {
    for (const [method, path, op] of documented) {
      // Pages the gateway renders itself (the dashboard's data comes from the other operations).
      if (path === "/openapi.json" || path === "/docs" || path === "/") continue;
      // The local dev issuer answers itself.
      if (path.startsWith("/auth/") || path.startsWith("/.well-known/")) continue;
      expect(op.responses["502"], `${method} ${path}`).toBeDefined();
    }
  });

  it("shows examples that the schemas accept", () => {
    for (const [name, { schema, value }] of Object.entries(examples)) {
      const result = schema.safeParse(value);
      expect(result.success, `${name}: ${result.error?.message}`).toBe(true);
    }
  });
});

describe("GET /openapi.json and GET /docs", () => {
  it("serves the document as JSON with the request id", async () => {
    const res = await call("/openapi.json", { headers: { [REQUEST_ID_HEADER]: "trace-openapi" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get(REQUEST_ID_HEADER)).toBe("trace-openapi");
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  it("serves the reference page: Scalar's renderer from the gateway's own assets, the document from here", async () => {
    const res = await call("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get(REQUEST_ID_HEADER)).toMatch(UUID_V7);
    const policy = res.headers.get("content-security-policy") ?? "";
    expect(policy).toContain("default-src 'none'");
    const nonce = /'nonce-([0-9a-f]+)'/.exec(policy)?.[1];
    expect(nonce).toBeTruthy();
    const html = await res.text();
    expect(html).toMatch(/<!doctype html>/i);
    expect(html).toContain(`src="${DOCS_BUNDLE_PATH}"`);
    expect(html).toContain("/openapi.json");
    expect(html).toContain(`nonce="${nonce}"`);
    // Offline: nothing is loaded from another origin.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    // A fresh nonce per page.
    const again = (await call("/docs")).headers.get("content-security-policy");
    expect(again).not.toBe(policy);
  });

  it("is the same document on every call, whoever asks", async () => {
    const [a, b] = await Promise.all([
      call("/openapi.json").then((r) => r.text()),
      call("/openapi.json", { headers: { authorization: "Bearer test-admin-token" } }).then((r) =>
        r.text(),
      ),
    ]);
    expect(a).toBe(b);
  });
});
