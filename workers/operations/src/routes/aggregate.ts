import { REQUEST_ID_HEADER } from "@edge-saga/contracts";
import { callService, HttpError } from "@edge-saga/shared";
import type { Context } from "hono";
import { type BoundService, type OperationsEnv, SERVICES } from "../types";

/**
 * Asks every service for `path` in parallel: `{ services: { order, inventory, rewards, payment } }`.
 * A service that fails is reported in its slot and turns the answer into a 502 carrying the
 * others' data, because a partial view still helps the operator who asked. `asked` and
 * `init` (a method, headers, a body) ask others, or otherwise.
 */
export async function aggregate(
  c: Context<OperationsEnv>,
  path: string,
  asked: readonly BoundService[] = SERVICES,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Response> {
  const search = new URL(c.req.url).search;
  const answers = await Promise.all(
    asked.map(async (service): Promise<[BoundService, unknown, boolean]> => {
      try {
        const res = await callService(c.env, service, path + search, {
          ...init,
          headers: {
            ...init.headers,
            [REQUEST_ID_HEADER]: c.get("requestId"),
            accept: "application/json",
          },
        });
        const body: unknown = await res.json().catch(() => null);
        if (res.ok && body !== null) return [service, body, true];
        const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
        return [
          service,
          {
            error: {
              code: error?.code ?? "UPSTREAM_ERROR",
              message: error?.message ?? `answered ${res.status}`,
              status: res.status,
            },
          },
          false,
        ];
      } catch (error) {
        const e = error instanceof HttpError ? error : undefined;
        return [
          service,
          {
            error: {
              code: e?.code ?? "UPSTREAM_UNAVAILABLE",
              message: e?.message ?? String(error),
            },
          },
          false,
        ];
      }
    }),
  );
  const services = Object.fromEntries(answers.map(([service, answer]) => [service, answer]));
  const failed = answers.filter(([, , ok]) => !ok).map(([service]) => service);
  if (failed.length === 0) return c.json({ services });
  return c.json(
    {
      error: {
        code: "UPSTREAM_FAILED",
        message: `${failed.join(", ")} did not answer ${path}`,
        details: failed.map((service) => ({ path: `services.${service}`, message: "failed" })),
      },
      services,
    },
    502,
  );
}
