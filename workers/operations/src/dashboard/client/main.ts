/**
 * The dashboard's script (bundled by build.mjs, loaded by page.ts). It only calls the gateway's
 * public API:
 * - a customer signs in at the local dev issuer (`POST /auth/dev/token`): her token goes with the
 *   customer routes, `POST /orders` (the form, with an Idempotency-Key) and `GET /orders` (her
 *   orders); the admin token, beside it, goes with the admin routes only;
 * - `GET /products` (stock, every 3 s);
 * - with the admin token: `GET /admin/order/orders/recent` (every order, newest first) and
 *   `GET /admin/stats` (backlog, dead letters); without it, the signed-in customer's orders and
 *   "token needed" for the counters;
 * - with the admin token: dead letters per service, replayed or discarded by filter after a dry
 *   run, and the audit of those actions (dead-letters.ts);
 * - `GET /orders/{id}/trace` for each shown order's timeline while it is moving, falling back to
 *   `GET /orders/{id}/history` (the order service's view only) where the trace answers 404;
 * - the trace's payment lane: each call to the card processor with its attempts (just before the
 *   event reporting its answer), and the order's card payment as a badge;
 * - an order rejected by the saga deadline is badged TIMED OUT, its timeline gets the deadline's
 *   row (after how long, who had not answered), and the list says how many of those shown timed out.
 * Everything from the API is put into the page as text, never as HTML (dom.ts `h`).
 */

import { signIn } from "./api";
import { loadDeadLetters, wireDeadLetterForm } from "./dead-letters";
import { byId, h } from "./dom";
import { loadStats } from "./health";
import { loadOrders } from "./orders";
import { wireOrderForm } from "./place-order";
import { adminToken, lastCustomer, setAdminToken, setSignIn, signedIn } from "./session";
import { loadProducts } from "./stock";

// ---- the loop: every second while the tab is visible ----
let ticks = 0;
let running: Promise<void> | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;

/** One round of polling (products every third); a round already running is not doubled. */
function tick(): Promise<void> {
  if (running) return running;
  clearTimeout(timer);
  const n = ticks++;
  const jobs = [loadOrders(), loadStats()];
  if (n % 3 === 0) jobs.push(loadProducts(), loadDeadLetters());
  running = Promise.allSettled(jobs).then((results) => {
    const failed = results.filter((r) => r.status === "rejected");
    const live = byId("live", HTMLSpanElement);
    live.className = failed.length ? "live down" : "live";
    live.textContent = failed[0]
      ? `retrying: ${(failed[0].reason as Error).message}`
      : `live · ${new Date().toLocaleTimeString([], { hour12: false })}`;
    running = null;
    if (!document.hidden) timer = setTimeout(tick, 1000);
  });
  return running;
}

// ---- the admin token (the tab's sessionStorage) ----
const tokenInput = byId("token", HTMLInputElement);
tokenInput.value = adminToken();
byId("token-form", HTMLFormElement).addEventListener("submit", (e) => {
  e.preventDefault();
  setAdminToken(tokenInput.value.trim());
  // At once, not at the next third round: the operator came for these.
  void loadDeadLetters();
  tick();
});
byId("token-forget", HTMLButtonElement).addEventListener("click", () => {
  tokenInput.value = "";
  setAdminToken("");
  tick();
});

// ---- the customer's sign-in (local dev issuer), kept in the tab's sessionStorage ----
const customerInput = byId("signin-customer", HTMLInputElement);
customerInput.value = signedIn()?.customerId ?? lastCustomer();
const showSignIn = (problem = "") => {
  const note = byId("signed-in", HTMLParagraphElement);
  const who = signedIn()?.customerId;
  note.className = problem ? "who-note msg error" : "who-note";
  note.textContent = problem;
  if (problem) return;
  if (!who) {
    note.textContent = "Sign in as a customer to order.";
    return;
  }
  note.append("Signed in as ", h("strong", { text: who }));
};
byId("signin-form", HTMLFormElement).addEventListener("submit", async (e) => {
  e.preventDefault();
  const button = byId("signin-button", HTMLButtonElement);
  button.disabled = true;
  try {
    showSignIn((await signIn(customerInput.value.trim())) ?? "");
  } catch (err) {
    showSignIn(`No answer (${(err as Error).message}): try again.`);
  } finally {
    button.disabled = false;
  }
  tick();
});
byId("signin-out", HTMLButtonElement).addEventListener("click", () => {
  setSignIn(null);
  showSignIn();
  tick();
});
showSignIn();

wireOrderForm(tick);
wireDeadLetterForm(() => void loadDeadLetters());
document.addEventListener("visibilitychange", () => {
  if (!document.hidden) tick();
});
tick();
