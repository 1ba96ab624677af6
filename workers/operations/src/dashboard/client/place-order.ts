import type { PlaceOrderInput } from "@edge-saga/contracts";
import { api, errorText, read } from "./api";
import { byId } from "./dom";
import { money } from "./format";
import { lastCustomer, rememberCustomer, rememberOrder } from "./session";

/** A send that got no answer: the same order sent again goes with the same key. */
let attempt: { key: string; body: string } | null = null;

/** The form: `POST /orders` with an Idempotency-Key; `placed` runs once the order is accepted. */
export function wireOrderForm(placed: () => void): void {
  byId("customer", HTMLInputElement).value = lastCustomer();
  byId("order-form", HTMLFormElement).addEventListener("submit", async (e) => {
    e.preventDefault();
    const body: PlaceOrderInput = {
      customerId: byId("customer", HTMLInputElement).value.trim(),
      items: [
        {
          sku: byId("sku", HTMLSelectElement).value,
          quantity: Number(byId("quantity", HTMLInputElement).value),
        },
      ],
      pointsToRedeem: Number(byId("points", HTMLInputElement).value) || 0,
    };
    const text = JSON.stringify(body);
    if (!attempt || attempt.body !== text)
      attempt = { key: `dash-${crypto.randomUUID()}`, body: text };
    rememberCustomer(body.customerId);
    const msg = byId("place-msg", HTMLParagraphElement);
    const button = byId("place-button", HTMLButtonElement);
    button.disabled = true;
    msg.className = "msg";
    msg.textContent = "Placing…";
    try {
      const header = { "Idempotency-Key": attempt.key };
      const answer = await read(api.orders.$post({ json: body, header }));
      attempt = null;
      if (answer.status === 202) {
        const order = answer.body;
        rememberOrder(order.id);
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
