import type { PlaceOrderInput } from "@edge-saga/contracts";
import { customer, errorText, read } from "./api";
import { byId } from "./dom";
import { money } from "./format";
import { signedIn } from "./session";

/** A send that got no answer: the same order sent again goes with the same key. */
let attempt: { key: string; body: string } | null = null;

/**
 * The form: `POST /orders` as the signed-in customer (her token says who orders: the body names
 * no customer), with an Idempotency-Key; `placed` runs once the order is accepted.
 */
export function wireOrderForm(placed: () => void): void {
  byId("order-form", HTMLFormElement).addEventListener("submit", async (e) => {
    e.preventDefault();
    const msg = byId("place-msg", HTMLParagraphElement);
    const who = signedIn()?.customerId;
    if (!who) {
      msg.className = "msg error";
      msg.textContent = "Sign in as a customer first (at the top of the page).";
      return;
    }
    const body: PlaceOrderInput = {
      items: [
        {
          sku: byId("sku", HTMLSelectElement).value,
          quantity: Number(byId("quantity", HTMLInputElement).value),
        },
      ],
      pointsToRedeem: Number(byId("points", HTMLInputElement).value) || 0,
    };
    // The key is the customer's: the same order as someone else is another order.
    const text = JSON.stringify([who, body]);
    if (!attempt || attempt.body !== text)
      attempt = { key: `dash-${crypto.randomUUID()}`, body: text };
    const button = byId("place-button", HTMLButtonElement);
    button.disabled = true;
    msg.className = "msg";
    msg.textContent = "Placing…";
    try {
      const header = { "Idempotency-Key": attempt.key };
      const answer = await read(customer().orders.$post({ json: body, header }));
      attempt = null;
      if (answer.status === 202) {
        const order = answer.body;
        msg.textContent = `Order for ${order.customerId} placed (${money(order.totalCents)}): ${order.status}`;
        placed();
      } else {
        msg.className = "msg error";
        msg.textContent = errorText(answer);
      }
    } catch (err) {
      msg.className = "msg error";
      msg.textContent = `No answer (${(err as Error).message}): press again to retry safely.`;
    } finally {
      button.disabled = false;
    }
  });
}
