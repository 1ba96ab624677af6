/**
 * The one way to the card processor: through the `PSP` service binding when there is one (the
 * local sandbox, workers/psp-sandbox), otherwise to `PSP_URL` with the secret `PSP_SECRET`
 * (production; `npm run deploy` sets both). Every call carries its idempotency key.
 */

import { effectTraceHeaders, type TraceAttributes } from "@edge-saga/shared";

export interface PspEnv {
  PSP?: Fetcher;
  PSP_URL?: string;
  PSP_SECRET?: string;
  /** How long a call may take before its answer counts as lost, ms (default 5000). */
  PSP_TIMEOUT_MS?: string;
}

/** The sandbox's test secret: only ever sent through the local binding. */
const SANDBOX_SECRET = "sk_test_sandbox";
const DEFAULT_TIMEOUT_MS = 5_000;

/** No answer (timeout, network, 5xx, 408, 409, 429): whether the processor acted is unknown. */
export class PspNoAnswer extends Error {
  override name = "PspNoAnswer";
}

/**
 * Statuses that are no answer: the call is made again with its key. 5xx: the processor failed;
 * 408: it timed out; 409: the same key is still in flight (a real processor's meaning); 429:
 * rate limited. Any other 4xx is its definite answer (docs/decisions.md, "Effects end").
 */
export const isRetryableStatus = (status: number) =>
  status >= 500 || status === 408 || status === 409 || status === 429;

export interface PspAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the processor's JSON, read field by field by the caller
  body: any;
  replayed: boolean;
}

export async function callPsp(
  env: PspEnv,
  path: string,
  { key, body, trace }: { key: string; body: unknown; trace?: TraceAttributes },
): Promise<PspAnswer> {
  const timeoutMs =
    Number(env.PSP_TIMEOUT_MS) > 0 ? Number(env.PSP_TIMEOUT_MS) : DEFAULT_TIMEOUT_MS;
  const secret = env.PSP ? (env.PSP_SECRET ?? SANDBOX_SECRET) : env.PSP_SECRET;
  if (!env.PSP && (!env.PSP_URL || !secret))
    throw new PspNoAnswer("no card processor configured: bind PSP or set PSP_URL and PSP_SECRET");
  // PSP_URL may carry a path prefix (https://api.example.com/psp): the call's path goes after it.
  const base = env.PSP ? "http://psp" : (env.PSP_URL ?? "").replace(/\/+$/, "");
  const request = new Request(`${base}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${secret}`,
      "content-type": "application/json",
      "idempotency-key": key,
      // The call's span: a processor that traces joins the saga's trace.
      ...effectTraceHeaders(trace),
    },
    body: JSON.stringify(body),
  });
  let response: Response;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    response = await (env.PSP ? env.PSP.fetch(request, { signal }) : fetch(request, { signal }));
  } catch (error) {
    throw new PspNoAnswer(
      signal.aborted ? `no answer within ${timeoutMs} ms` : `unreachable: ${String(error)}`,
    );
  }
  if (isRetryableStatus(response.status))
    throw new PspNoAnswer(`answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  return {
    status: response.status,
    body: await response.json(),
    replayed: response.headers.get("idempotent-replayed") === "true",
  };
}
