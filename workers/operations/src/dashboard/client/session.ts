/**
 * What the tab remembers, in sessionStorage (gone when the tab is closed): the admin token,
 * the orders placed from it (newest first) and the last customer id typed.
 */
const store = window.sessionStorage;
const TOKEN = "edge-saga.token";
const ORDERS = "edge-saga.orders";
const CUSTOMER = "edge-saga.customer";
/** Enough for the list without the token, which shows a handful. */
const ORDERS_KEPT = 50;

let token = store.getItem(TOKEN) || "";
let mine: string[] = JSON.parse(store.getItem(ORDERS) || "[]");

export const adminToken = () => token;

/** "" forgets it. */
export function setAdminToken(value: string): void {
  token = value;
  if (token) store.setItem(TOKEN, token);
  else store.removeItem(TOKEN);
}

export const myOrders = (): readonly string[] => mine;

export function rememberOrder(id: string): void {
  if (mine.indexOf(id) < 0) mine.unshift(id);
  mine = mine.slice(0, ORDERS_KEPT);
  store.setItem(ORDERS, JSON.stringify(mine));
}

export const lastCustomer = () => store.getItem(CUSTOMER) || "alice";
export const rememberCustomer = (id: string) => store.setItem(CUSTOMER, id);
