/**
 * The processor's rules, free of storage and HTTP: what a payment method decides, which
 * transitions a payment intent allows, and the objects and errors the API answers with.
 */

export type IntentStatus =
  | "requires_payment_method"
  | "requires_capture"
  | "succeeded"
  | "canceled";

export type LedgerKind = "authorization" | "decline" | "capture" | "void" | "refund";

export interface PaymentError {
  type: "card_error";
  code: "card_declined";
  decline_code: string;
  message: string;
}

export interface PaymentIntent {
  id: string;
  object: "payment_intent";
  status: IntentStatus;
  amount: number;
  amount_capturable: number;
  amount_received: number;
  amount_refunded: number;
  currency: string;
  /** The customer it was authorized for, or null (a one-off card). */
  customer: string | null;
  payment_method: string | null;
  /** The order this payment is for, and any other strings the caller attached. */
  metadata: { order_id: string } & Record<string, string>;
  /** Why the last authorization failed (a decline), else null. */
  last_payment_error: PaymentError | null;
  /** Unix seconds, as a real processor gives it. */
  created: number;
}

export interface Refund {
  id: string;
  object: "refund";
  status: "succeeded";
  amount: number;
  payment_intent: string;
  created: number;
}

export interface LedgerEntry {
  id: string;
  intent: string;
  order_id: string;
  kind: LedgerKind;
  amount: number;
  idempotency_key: string | null;
  /** Epoch milliseconds. */
  at: number;
}

/** An error as the API answers it: `{ error: { type, code?, message, ... } }`. */
export interface ApiError {
  error: { type: string; code?: string; message: string; [field: string]: unknown };
}

/** An answer of the processor: the HTTP status and the JSON body. */
export interface Answer {
  status: 200 | 400 | 401 | 402 | 404 | 500;
  body: unknown;
}

/** The test card that approves; a customer's saved card approves too. */
const APPROVES = new Set(["tok_visa"]);

/** Test cards that decline. */
const DECLINES: Record<string, { decline_code: string; message: string }> = {
  tok_declined: { decline_code: "generic_decline", message: "Your card was declined." },
  tok_insufficient_funds: {
    decline_code: "insufficient_funds",
    message: "Your card has insufficient funds.",
  },
};

/** A test card of the sandbox; any other method is a saved card or not there at all. */
export const isTestCard = (method: string) =>
  APPROVES.has(method) || Object.hasOwn(DECLINES, method);

/** What authorizing with `method` does: null approves, else the card error. */
export function declineFor(method: string | null): PaymentError | null {
  // Own keys only: "constructor" is no test card.
  const decline = method !== null && Object.hasOwn(DECLINES, method) ? DECLINES[method] : undefined;
  return decline ? { type: "card_error", code: "card_declined", ...decline } : null;
}

export const canCapture = (status: IntentStatus) => status === "requires_capture";

/** A hold is voided, or a declined intent given up; nothing else can be canceled. */
export const canCancel = (status: IntentStatus) =>
  status === "requires_capture" || status === "requires_payment_method";

/** The amount a capture takes (default: all that is held), or the error why it cannot. */
export function captureAmount(intent: PaymentIntent, requested?: number): number | Answer {
  if (!canCapture(intent.status)) return unexpectedState(intent, "capture");
  const amount = requested ?? intent.amount_capturable;
  if (amount > intent.amount_capturable) {
    return conflict(
      "amount_too_large",
      `amount_to_capture (${amount}) is greater than the amount capturable (${intent.amount_capturable}).`,
    );
  }
  return amount;
}

/** The amount a refund gives back (default: all that is left), or the error why it cannot. */
export function refundAmount(intent: PaymentIntent, requested?: number): number | Answer {
  if (intent.status !== "succeeded") return unexpectedState(intent, "refund");
  const left = intent.amount_received - intent.amount_refunded;
  if (left <= 0) {
    return conflict(
      "charge_already_refunded",
      `PaymentIntent ${intent.id} has already been refunded.`,
    );
  }
  const amount = requested ?? left;
  if (amount > left) {
    return conflict(
      "amount_too_large",
      `Refund amount (${amount}) is greater than the amount left to refund (${left}).`,
    );
  }
  return amount;
}

export function unexpectedState(intent: PaymentIntent, action: string): Answer {
  return conflict(
    "payment_intent_unexpected_state",
    `You cannot ${action} this PaymentIntent because it has a status of ${intent.status}.`,
    { payment_intent: intent },
  );
}

/**
 * A request the intent's state refuses: 400, as a real processor answers it (its 409 means
 * "the same key is still in flight", which a caller retries; this is final).
 */
export function conflict(code: string, message: string, extra: object = {}): Answer {
  return { status: 400, body: apiError("invalid_request_error", message, { code, ...extra }) };
}

export function missing(kind: string, id: string): Answer {
  return {
    status: 404,
    body: apiError("invalid_request_error", `No such ${kind}: '${id}'`, {
      code: "resource_missing",
    }),
  };
}

/**
 * A method that is neither a test card nor the caller's own saved card (an unknown token, or
 * another customer's card): as a real processor answers it, no such card exists for that
 * caller (400, since it is a parameter, not the URL, that names it).
 */
export function noSuchPaymentMethod(method: string): Answer {
  return {
    status: 400,
    body: apiError("invalid_request_error", `No such PaymentMethod: '${method}'`, {
      code: "resource_missing",
      param: "payment_method",
    }),
  };
}

export function apiError(type: string, message: string, extra: object = {}): ApiError {
  return { error: { type, ...extra, message } };
}

/** An id like a real processor's: a prefix and 24 random base62 characters. */
export function newId(prefix: string): string {
  const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let id = `${prefix}_`;
  // The slight modulo bias does not matter: ids need to be unique, not uniform.
  for (const byte of bytes) id += alphabet[byte % 62];
  return id;
}
