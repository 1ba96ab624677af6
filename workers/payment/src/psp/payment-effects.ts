import { catalog } from "@edge-saga/contracts";
import {
  type AnyD1Database,
  type Effect,
  type EffectPerformer,
  type EffectPerformers,
  EffectRefused,
} from "@edge-saga/shared";
import { eq } from "drizzle-orm";
import { readPayment } from "../db/payment-store";
import { payments } from "../db/tables";
import type { PaymentStatus } from "../domain/payment";
import { paymentEventOf } from "../handlers/order-events";
import { callPsp, type PspAnswer } from "./psp-client";

/** What every payment effect was recorded with (handlers/order-events.ts). */
interface PaymentRequest {
  orderId: string;
  /** The event that asked for it: the cause of the event reporting it. */
  cause: string;
}

/**
 * The processor's answer, as recorded with the effect, with the amount the call was for: the
 * report needs nothing more, so it reads nothing.
 */
type Answer =
  | { ok: true; intentId: string | null; amountCents: number }
  | {
      ok: false;
      reason: string;
      processorCode?: string;
      intentId: string | null;
      amountCents: number;
    };

const causeOf = (effect: Effect<PaymentRequest>) => ({
  id: effect.request.cause,
  correlationId: effect.correlationId,
});

/**
 * A definite refusal of an operation (any 4xx that is not a retry, see `isRetryableStatus`):
 * the same key gets the same answer, so it ends the effect as a dead letter holding the
 * processor's answer, for an operator.
 */
function refused(answer: PspAnswer, what: string): never {
  const error = answer.body?.error ?? {};
  throw new EffectRefused(
    `${what}: the processor refused (${answer.status} ${error.code ?? ""}: ${error.message ?? ""})`,
    { status: answer.status, body: answer.body },
  );
}

/** A processor's code as the events carry it, or undefined when it is not one. */
const codeOf = (value: unknown) =>
  typeof value === "string" && /^[a-z0-9_]{1,64}$/.test(value) ? value : undefined;

/**
 * Why the card does not pay, from a decline (402) or a refusal of the request for it (another
 * 4xx, e.g. 400 resource_missing: no such card). The reason: the decline's specific code
 * (insufficient_funds), else the processor's code (card_declined, resource_missing).
 */
function declineOf({ status, body }: PspAnswer) {
  const error = body?.error ?? {};
  const processorCode = codeOf(error.code) ?? (status === 402 ? "card_declined" : `http_${status}`);
  const specific = codeOf(error.decline_code);
  return {
    reason: specific && specific !== "generic_decline" ? specific : processorCode,
    processorCode,
    intentId: error.payment_intent?.id ?? null,
  };
}

async function paymentOf(db: AnyD1Database, orderId: string) {
  const payment = await readPayment(db, orderId);
  if (!payment) throw new Error(`no payment for order ${orderId}`);
  return payment;
}

/** Records `status` (and what came with it) and the event reporting it. */
function settle(
  db: AnyD1Database,
  effect: Effect<PaymentRequest>,
  status: PaymentStatus,
  set: { intentId?: string | null; declineReason?: string } = {},
) {
  return db
    .update(payments)
    .set({ status, ...set, updatedAt: Date.now() })
    .where(eq(payments.orderId, effect.request.orderId));
}

const authorize: EffectPerformer<Env, PaymentRequest, Answer> = {
  async perform(effect, { env, db }) {
    const payment = await paymentOf(db, effect.request.orderId);
    const answer = await callPsp(env, "/v1/payment_intents", {
      key: effect.key,
      trace: effect.trace,
      body: {
        amount: payment.amountCents,
        currency: "usd",
        // The order's customer (the caller who placed it): "the saved card" is hers alone.
        customer: payment.customerId,
        ...(payment.paymentMethod ? { payment_method: payment.paymentMethod } : {}),
        capture_method: "manual",
        metadata: { order_id: payment.orderId },
      },
    });
    const { amountCents } = payment;
    if (answer.status === 200) return { ok: true, intentId: answer.body.id, amountCents };
    // Our credentials refused, or an answer a processor does not give: nothing about the card.
    if (answer.status === 401 || answer.status === 403 || answer.status < 400)
      return refused(answer, "authorize");
    // A decline, or a request for this card refused (an unknown token): it does not pay.
    return { ok: false, amountCents, ...declineOf(answer) };
  },
  report(answer, effect, { db }) {
    const { orderId } = effect.request;
    const { amountCents } = answer;
    const envelope = paymentEventOf(causeOf(effect), orderId);
    if (answer.ok)
      return {
        statements: [settle(db, effect, "AUTHORIZED", { intentId: answer.intentId })],
        events: [
          catalog.create("PaymentAuthorized", {
            ...envelope,
            payload: { orderId, amountCents },
          }),
        ],
      };
    return {
      statements: [
        settle(db, effect, "DECLINED", { intentId: answer.intentId, declineReason: answer.reason }),
      ],
      events: [
        catalog.create("PaymentDeclined", {
          ...envelope,
          payload: {
            orderId,
            amountCents,
            reason: answer.reason,
            ...(answer.processorCode ? { processorCode: answer.processorCode } : {}),
          },
        }),
      ],
    };
  },
};

/** An operation on the authorized intent: capture, void (cancel) or refund. */
function onIntent(
  operation: "capture" | "void" | "refund",
  then: { status: PaymentStatus; event: "PaymentCaptured" | "PaymentVoided" | "PaymentRefunded" },
): EffectPerformer<Env, PaymentRequest, Answer> {
  return {
    async perform(effect, { env, db }) {
      const payment = await paymentOf(db, effect.request.orderId);
      // A declined card holds nothing: its void is done without a call.
      if (!payment.intentId || payment.status === "DECLINED") {
        if (operation === "void")
          return { ok: false, reason: "nothing_held", intentId: null, amountCents: 0 };
        // Its authorization came earlier and settled (a subject's effects run in order): final.
        throw new EffectRefused(`${operation} of order ${payment.orderId}: nothing was authorized`);
      }
      const answer = await callPsp(
        env,
        operation === "refund"
          ? "/v1/refunds"
          : `/v1/payment_intents/${payment.intentId}/${operation === "void" ? "cancel" : "capture"}`,
        {
          key: effect.key,
          trace: effect.trace,
          body:
            operation === "refund"
              ? { payment_intent: payment.intentId, amount: payment.amountCents }
              : {},
        },
      );
      if (answer.status !== 200) return refused(answer, operation);
      return { ok: true, intentId: payment.intentId, amountCents: payment.amountCents };
    },
    report(answer, effect, { db }) {
      if (!answer.ok) return {};
      const { orderId } = effect.request;
      return {
        statements: [settle(db, effect, then.status)],
        events: [
          catalog.create(then.event, {
            ...paymentEventOf(causeOf(effect), orderId),
            payload: { orderId, amountCents: answer.amountCents },
          }),
        ],
      };
    },
  };
}

/** How each payment operation is made at the processor and reported. */
export const paymentEffects: EffectPerformers<Env> = {
  authorize,
  capture: onIntent("capture", { status: "CAPTURED", event: "PaymentCaptured" }),
  void: onIntent("void", { status: "VOIDED", event: "PaymentVoided" }),
  refund: onIntent("refund", { status: "REFUNDED", event: "PaymentRefunded" }),
};
