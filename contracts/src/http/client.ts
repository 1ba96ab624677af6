import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import type { Hono } from "hono";
import { type ClientResponse, hc } from "hono/client";
import type { adminRoutes } from "./routes/admin";
import type { authRoutes } from "./routes/auth";
import type { customerRoutes } from "./routes/customers";
import type { orderRoutes } from "./routes/orders";
import type { productRoutes } from "./routes/products";
import type { referenceRoutes } from "./routes/reference";
import type { serviceAdminRoutes } from "./routes/service-admin";

/**
 * The one typed client of the public API: Hono's `hc` over the type of an app serving every
 * route definition of ./routes, so each call's parameters, body and answers (narrowed by
 * status) are the routes' schemas. The routes are imported as types only: a browser bundle
 * gets `hc` and this file's transport, nothing of zod.
 *
 * @example
 * const api = apiClient("http://127.0.0.1:8787", { timeoutMs: 15_000 });
 * const res = await api.orders[":id"].$get({ param: { id } });
 * if (res.status === 200) console.log((await res.json()).status); // the Order's status
 */

/** What `app.openapi(route, handler)` adds to an app's schema: exactly what the server serves. */
declare const app: OpenAPIHono;
type RouteSchema<R extends RouteConfig> =
  ReturnType<typeof app.openapi<R>> extends OpenAPIHono<infer _E, infer S, infer _B> ? S : never;

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (
  i: infer I,
) => void
  ? I
  : never;

/** A request part whose fields are all optional (the `x-request-id` header) may be left out. */
type Blank = Record<never, never>;
type Relax<I> = { [K in keyof I as Blank extends I[K] ? K : never]?: I[K] } & {
  [K in keyof I as Blank extends I[K] ? never : K]: I[K];
};
type RelaxEndpoints<S> = {
  [Path in keyof S]: {
    [M in keyof S[Path]]: S[Path][M] extends infer E
      ? E extends { input: infer I }
        ? Omit<E, "input"> & { input: Relax<I> }
        : E
      : never;
  };
};

/** The schema of an app serving every route of `routes`. */
type SchemaOf<Routes extends Record<string, RouteConfig>> = RelaxEndpoints<
  UnionToIntersection<{ [K in keyof Routes]: RouteSchema<Routes[K]> }[keyof Routes]>
>;

/**
 * The public API (design.md) as the type of an app that serves its route definitions. The
 * HTML pages (`/`, `/docs`, `/dashboard.js`) are left out: they are for browsers, and `hc`
 * cannot type a non-JSON answer.
 */
export type PublicApi = Hono<
  Blank,
  SchemaOf<typeof orderRoutes> &
    SchemaOf<typeof productRoutes> &
    SchemaOf<typeof customerRoutes> &
    SchemaOf<typeof adminRoutes> &
    SchemaOf<typeof authRoutes> &
    SchemaOf<typeof serviceAdminRoutes> &
    SchemaOf<Pick<typeof referenceRoutes, "getOpenApi">>
>;

export interface TransportOptions {
  /** Sent as `Authorization: Bearer <token>` on every request (the admin routes need it). */
  adminToken?: string;
  /**
   * A customer's access token (a JWT from her identity provider, locally `POST /auth/dev/token`),
   * sent as `Authorization: Bearer <token>` on every request: the customer routes act for her.
   * A function is asked before each request (a cached sign-in that renews itself). Never with
   * `adminToken`: the two credentials are never interchangeable. A request that already carries
   * an Authorization header (`bearer(token)` on one call) keeps its own.
   */
  accessToken?: string | (() => string | Promise<string>);
  /** Abort a request after this long (default: no limit); a function sets it per method. */
  timeoutMs?: number | ((method: string) => number | undefined);
  /**
   * Tries of a request that got no answer (the local dev proxy resets a connection under load);
   * only reads and the idempotent maintenance poke are sent again. Default 1.
   */
  attempts?: number;
  /** Told before each such resend (a log line; a caller that counts every try sent). */
  onResend?: (method: string, url: string, error: unknown) => void;
  /** Send again a second later, up to 120 times, while the gateway answers 429 or 503. */
  retryBusy?: boolean;
  /** The fetch underneath (a service binding's, a test's); the global one by default. */
  fetch?: typeof fetch;
}

/** How `npm run dev` and `npm run demo` talk to a stack: a request never hangs for long. */
export const SCRIPT_TIMEOUTS: TransportOptions = { timeoutMs: 15_000 };
/** How a chaos run and the operator scripts (check, replay) talk to a stack under load. */
export const UNDER_LOAD: TransportOptions = { timeoutMs: 60_000, attempts: 3 };

const BUSY_RETRIES = 120;
const BUSY_PAUSE_MS = 1_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A `fetch` with the transport rules of `options`, for `hc`'s `fetch` option: the typed client
 * stays one, whatever the caller needs of the wire.
 */
export function apiFetch(options: TransportOptions = {}): typeof fetch {
  if (options.adminToken && options.accessToken)
    throw new Error("a client carries the admin token or a customer's access token, not both");
  const underlying = options.fetch ?? ((input, init) => fetch(input, init));
  const once = async (request: Request): Promise<Response> => {
    const resendable =
      request.method === "GET" || new URL(request.url).pathname.endsWith("/maintenance");
    const attempts = resendable ? (options.attempts ?? 1) : 1;
    const { timeoutMs } = options;
    const limit = typeof timeoutMs === "function" ? timeoutMs(request.method) : timeoutMs;
    for (let attempt = 1; ; attempt++) {
      const signal = limit === undefined ? undefined : AbortSignal.timeout(limit);
      try {
        // A clone per try: a body can be read once.
        return await underlying(new Request(request.clone(), { signal }));
      } catch (error) {
        if (attempt >= attempts) throw error;
        options.onResend?.(request.method, request.url, error);
      }
    }
  };
  return async (input, init) => {
    const request = new Request(input, init);
    request.headers.set("accept", request.headers.get("accept") ?? "application/json");
    if (!request.headers.has("authorization")) {
      const { adminToken, accessToken } = options;
      const token = typeof accessToken === "function" ? await accessToken() : accessToken;
      if (adminToken || token)
        request.headers.set("authorization", `Bearer ${adminToken || token}`);
    }
    for (let retry = 0; ; retry++) {
      const res = await once(request);
      const busy = res.status === 429 || res.status === 503;
      if (!options.retryBusy || !busy || retry >= BUSY_RETRIES) return res;
      await res.body?.cancel();
      await sleep(BUSY_PAUSE_MS);
    }
  };
}

/**
 * One call's own credential, as the typed client's second argument: it wins over the client's.
 *
 * @example
 * await api.orders.$get({ query: {} }, bearer(aliceToken)); // alice's orders
 */
export const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

/** The typed client of the public API at `baseUrl` ("" in a browser: this origin). */
export const apiClient = (baseUrl: string, options: TransportOptions = {}) =>
  hc<PublicApi>(baseUrl.replace(/\/+$/, ""), { fetch: apiFetch(options) });

export type ApiClient = ReturnType<typeof apiClient>;

/** One answer as read: its status, headers and body (parsed JSON, else text, null if empty). */
export type Answer<R> =
  R extends ClientResponse<infer T, infer U, infer F>
    ? { status: U; headers: Headers; body: F extends "json" ? T : string }
    : never;

type AnyResponse = ClientResponse<unknown, number, string>;

/** Reads an answer of the typed client whatever its status; narrow on `status` for the body. */
export async function read<R extends AnyResponse>(pending: R | Promise<R>): Promise<Answer<R>> {
  const res = await pending;
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: the text, for whoever reads the answer
  }
  return { status: res.status, headers: res.headers, body } as Answer<R>;
}

/** An answer outside the statuses the caller expected, with the whole exchange. */
export class UnexpectedAnswer extends Error {
  constructor(
    readonly url: string,
    readonly answer: { status: number; headers: Headers; body: unknown },
    expected: readonly number[],
  ) {
    super(
      `${url}: expected ${expected.join(" or ")}, got ${answer.status}: ` +
        JSON.stringify(answer.body).slice(0, 2000),
    );
  }
}

/**
 * The answer when its status is one of `statuses` (typed by that status' schema), else throws
 * an `UnexpectedAnswer`.
 *
 * @example
 * const order = (await expectStatus(api.orders[":id"].$get({ param: { id } }), 200)).body;
 */
export async function expectStatus<R extends AnyResponse, S extends R["status"]>(
  pending: R | Promise<R>,
  ...statuses: S[]
): Promise<Answer<Extract<R, { status: S }>>> {
  const res = await pending;
  const answer = await read(res);
  if (!statuses.includes(answer.status as S)) throw new UnexpectedAnswer(res.url, answer, statuses);
  return answer as Answer<Extract<R, { status: S }>>;
}

/**
 * The app type of one Worker serving `routes` (a service's internal routes, the kit's admin
 * routes): what `serviceClient` is typed by.
 */
export type ServiceApi<Routes extends Record<string, RouteConfig>> = Hono<Blank, SchemaOf<Routes>>;

/**
 * A typed client of one Worker's `routes` at `baseUrl`, over `options.fetch` (a service
 * binding's): its calls and answers are the definitions' schemas, as the public client's are.
 *
 * @example
 * const order = serviceClient<typeof orderSnapshotRoutes>("https://order.internal/admin", {
 *   fetch: (input, init) => env.ORDER.fetch(input, init),
 * });
 * const page = await expectStatus(order.snapshot.orders.$get({ query: { after: "" } }), 200);
 */
export const serviceClient = <Routes extends Record<string, RouteConfig>>(
  baseUrl: string,
  options: TransportOptions = {},
) => hc<ServiceApi<Routes>>(baseUrl.replace(/\/+$/, ""), { fetch: apiFetch(options) });
