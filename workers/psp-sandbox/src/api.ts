import { z } from "zod";
import { type Answer, apiError } from "./intents";

/** Amounts are integer cents, as a real processor takes them. */
const cents = z.number().int().min(1).max(1_000_000_000);
export const ORDER_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** The shop's customer ids (the gateway's callers) are the processor's customers. */
const CUSTOMER_ID = ORDER_ID;

// Strict, as a real processor is: an unknown parameter is a caller's bug, not something to ignore.
export const CreateIntentBody = z
  .object({
    amount: cents,
    currency: z.literal("usd"),
    /** Who pays: a saved card is charged only for its own customer. */
    customer: z.string().regex(CUSTOMER_ID).optional(),
    /** Absent: the customer's saved card. */
    payment_method: z
      .string()
      .regex(/^[A-Za-z0-9_]{1,64}$/)
      .optional(),
    capture_method: z.literal("manual"),
    metadata: z.object({ order_id: z.string().regex(ORDER_ID) }).catchall(z.string().max(500)),
  })
  .strict()
  // No method and no customer: there is no card to charge.
  .refine((body) => body.customer !== undefined || body.payment_method !== undefined, {
    path: ["payment_method"],
    message: "a payment_method, or a customer whose saved card is charged, is required",
  });

export const CaptureBody = z.object({ amount_to_capture: cents.optional() }).strict();

export const CancelBody = z.object({}).strict();

export const RefundBody = z
  .object({ payment_intent: z.string().min(1).max(255), amount: cents.optional() })
  .strict();

export const EntriesQuery = z.object({ order_id: z.string().regex(ORDER_ID) });

/** What a POST asks of the processor, validated by the front. */
export type Operation =
  | { kind: "authorize"; body: z.infer<typeof CreateIntentBody> }
  | { kind: "capture"; intent: string; body: z.infer<typeof CaptureBody> }
  | { kind: "cancel"; intent: string }
  | { kind: "refund"; body: z.infer<typeof RefundBody> };

/** 400 naming every bad field, as `param` (the first) and in the message (all of them). */
export function invalidRequest(error: z.ZodError): Answer {
  const fields = error.issues.map((issue) => ({
    param: issue.path.map(String).join(".") || "(body)",
    message: issue.message,
  }));
  const message = `Invalid request: ${fields.map((f) => `${f.param}: ${f.message}`).join("; ")}`;
  return {
    status: 400,
    body: apiError("invalid_request_error", message, {
      code: "parameter_invalid",
      param: fields[0]?.param,
      fields,
    }),
  };
}

/** JSON with its object keys sorted: the same body in another key order is the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
