import { pspLedgerRoutes } from "@edge-saga/contracts/http";
import { faultsEnabled, loggerFor } from "@edge-saga/shared";
import { OpenAPIHono } from "@hono/zod-openapi";
import { type Context, Hono } from "hono";
import type { z } from "zod";
import {
  CancelBody,
  CaptureBody,
  CreateIntentBody,
  canonicalJson,
  EntriesQuery,
  invalidRequest,
  type Operation,
  RefundBody,
} from "./api";
import { PspFaultPlanSchema } from "./faults";
import { type Answer, apiError, missing } from "./intents";

export { Processor } from "./processor";

type App = { Bindings: Env };

/**
 * The stateless front: checks the secret, validates bodies and hands each request to the one
 * Processor object. It also serves an injected late answer, so a hang holds up no one else.
 */
const app = new Hono<App>();

const processor = (env: Env) => env.PROCESSOR.getByName("processor");

const reply = (c: Context<App>, answer: Answer, headers?: Record<string, string>) =>
  c.json(answer.body as object, answer.status, headers);

app.use("/v1/*", async (c, next) => {
  const header = c.req.header("authorization") ?? "";
  const given = header.startsWith("Bearer ") ? header.slice("Bearer ".length) : "";
  if (!given || !(await sameSecret(given, c.env.PSP_SECRET))) {
    const message = given
      ? "Invalid API Key provided."
      : "You did not provide an API key. Provide it in the Authorization header (Authorization: Bearer YOUR_SECRET_KEY).";
    return c.json(apiError("authentication_error", message), 401);
  }
  await next();
});

/** Compares digests: equal length, so the comparison's time says nothing about the secret. */
async function sameSecret(given: string, secret: string): Promise<boolean> {
  const digest = (text: string) => crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  const [a, b] = await Promise.all([digest(given), digest(secret)]);
  return crypto.subtle.timingSafeEqual(a, b);
}

/**
 * One POST: validate, then the processor does the rest (key lookup, change, ledger, stored
 * answer) in one synchronous section. A bad request is answered here and stored under no key.
 */
async function post<S extends z.ZodType>(
  c: Context<App>,
  schema: S,
  operation: (body: z.infer<S>) => Operation,
): Promise<Response> {
  const log = loggerFor(c.env, { service: "psp-sandbox" });
  const key = c.req.header("idempotency-key") ?? null;
  const line = { method: "POST", path: c.req.path, key };
  const refuse = (answer: Answer) => {
    log.debug("psp request", { ...line, status: answer.status, outcome: "invalid" });
    return reply(c, answer);
  };
  if (key !== null && (key.length < 1 || key.length > 255)) {
    return refuse(badRequest("Idempotency-Key must be 1 to 255 characters.", "idempotency_key"));
  }
  const text = await c.req.text();
  let json: unknown;
  try {
    json = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    return refuse(badRequest("Invalid JSON in the request body.", "body"));
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return refuse(invalidRequest(parsed.error));

  const fingerprint = await sha256(`POST ${c.req.path}\n${canonicalJson(json)}`);
  const answer = await processor(c.env).post({ key, fingerprint, op: operation(parsed.data) });
  log.debug("psp request", {
    ...line,
    status: answer.status,
    outcome: answer.outcome,
    ...(answer.hangMs === null ? {} : { hangMs: answer.hangMs }),
  });
  // psp.timeout-after-commit: committed and stored; the caller's own timeout fires first.
  if (answer.hangMs !== null) await new Promise((done) => setTimeout(done, answer.hangMs ?? 0));
  const headers = new Headers({ "content-type": "application/json" });
  if (key !== null) headers.set("Idempotency-Key", key);
  if (answer.replayed) headers.set("Idempotent-Replayed", "true");
  return new Response(answer.json, { status: answer.status, headers });
}

function badRequest(message: string, param: string): Answer {
  return {
    status: 400,
    body: apiError("invalid_request_error", message, { code: "parameter_invalid", param }),
  };
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

app.post("/v1/payment_intents", (c) =>
  post(c, CreateIntentBody, (body) => ({ kind: "authorize", body })),
);
app.post("/v1/payment_intents/:id/capture", (c) =>
  post(c, CaptureBody, (body) => ({ kind: "capture", intent: c.req.param("id"), body })),
);
app.post("/v1/payment_intents/:id/cancel", (c) =>
  post(c, CancelBody, () => ({ kind: "cancel", intent: c.req.param("id") })),
);
app.post("/v1/refunds", (c) => post(c, RefundBody, (body) => ({ kind: "refund", body })));

app.get("/v1/payment_intents/:id", async (c) => {
  const id = c.req.param("id");
  const intent = await processor(c.env).intent(id);
  return intent ? c.json(intent) : reply(c, missing("payment_intent", id));
});

// The operator's and the consistency checker's reads, served from their contract definitions
// (a bad query is answered as the processor answers one, not with the services' error shape).
const ledger = new OpenAPIHono<App>({
  defaultHook: (result, c) => (result.success ? undefined : reply(c, invalidRequest(result.error))),
})
  .openapi(pspLedgerRoutes.getLedgerTotals, async (c) =>
    c.json(await processor(c.env).totals(), 200),
  )
  .openapi(pspLedgerRoutes.getLedgerOrders, async (c) => {
    const { limit, starting_after } = c.req.valid("query");
    return c.json(await processor(c.env).orders(limit, starting_after ?? null), 200);
  });
app.route("/", ledger);
app.get("/v1/ledger/entries", async (c) => {
  const query = EntriesQuery.safeParse(c.req.query());
  if (!query.success) return reply(c, invalidRequest(query.error));
  return c.json(await processor(c.env).entries(query.data.order_id));
});

// Seeded faults: only with FAULTS_ENABLED "true"; otherwise the routes do not exist.
app.use("/v1/test/faults", async (c, next) => {
  if (!faultsEnabled(c.env)) return c.notFound();
  await next();
});
app.get("/v1/test/faults", async (c) => c.json(await processor(c.env).faults()));
app.put("/v1/test/faults", async (c) => {
  const plan = PspFaultPlanSchema.safeParse(await c.req.json().catch(() => undefined));
  if (!plan.success) return reply(c, invalidRequest(plan.error));
  return c.json(await processor(c.env).setFaults(plan.data));
});
app.delete("/v1/test/faults", async (c) => c.json(await processor(c.env).clearFaults()));

app.notFound((c) =>
  c.json(
    apiError("invalid_request_error", `Unrecognized request URL (${c.req.method}: ${c.req.path}).`),
    404,
  ),
);
app.onError((error, c) => {
  loggerFor(c.env, { service: "psp-sandbox" }).error("psp request failed", {
    method: c.req.method,
    path: c.req.path,
    error: error instanceof Error ? error.message : String(error),
  });
  return c.json(apiError("api_error", "An unexpected error occurred."), 500);
});

export default app;
