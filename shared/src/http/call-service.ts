import { loggerFor } from "../log/logger";
import { HttpError } from "./errors";

/**
 * The service binding of `service`, by the kit's convention: the service's name in capitals
 * (`order` -> `ORDER`). Undefined when the Worker has no such binding.
 */
export function serviceBindingOf(env: object, service: string): Fetcher | undefined {
  const binding = (env as Record<string, unknown>)[service.toUpperCase()];
  return binding && typeof (binding as Fetcher).fetch === "function"
    ? (binding as Fetcher)
    : undefined;
}

/**
 * One call over a Worker's service binding (convention above). A binding that is missing or
 * throws (service down, crashed) is a 502 `UPSTREAM_UNAVAILABLE`, logged once here.
 */
export async function callService(
  env: object,
  service: string,
  pathAndQuery: string,
  init: RequestInit = {},
): Promise<Response> {
  try {
    const binding = serviceBindingOf(env, service);
    if (!binding) throw new Error(`no service binding ${service.toUpperCase()}`);
    return await binding.fetch(new Request(`https://${service}.internal${pathAndQuery}`, init));
  } catch (error) {
    loggerFor(env).error("service call failed", { service, error: String(error) });
    throw new HttpError(502, "UPSTREAM_UNAVAILABLE", `the ${service} service did not answer`);
  }
}
