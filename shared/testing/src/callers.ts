import { CALLER_HEADER, callerHeaderValue } from "@edge-saga/shared";

/**
 * Headers of a request as the gateway forwards it for a verified caller: a service's own tests
 * call its routes as alice, bob or an operator the way the gateway would.
 * @example SELF.fetch(url, { headers: asCustomer("alice") })
 */
export const asCustomer = (customerId: string): Record<string, string> => ({
  [CALLER_HEADER]: callerHeaderValue({ role: "customer", customerId }),
});

export const asAdmin = (): Record<string, string> => ({
  [CALLER_HEADER]: callerHeaderValue({ role: "admin" }),
});
