/**
 * What the tab remembers, in sessionStorage (gone when the tab is closed): the admin token,
 * the customer signed in (her id and access token) and the last customer id typed.
 */
const store = window.sessionStorage;
const TOKEN = "edge-saga.token";
const CUSTOMER = "edge-saga.customer";
const SIGN_IN = "edge-saga.sign-in";
let token = store.getItem(TOKEN) || "";

export const adminToken = () => token;

/** "" forgets it. */
export function setAdminToken(value: string): void {
  token = value;
  if (token) store.setItem(TOKEN, token);
  else store.removeItem(TOKEN);
}

/** A customer signed in at the local dev issuer: whom the customer routes act for. */
export interface SignIn {
  customerId: string;
  accessToken: string;
  /** Epoch ms after which the token is renewed (shortly before it expires). */
  renewAt: number;
}

let signIn: SignIn | null = JSON.parse(store.getItem(SIGN_IN) || "null");

export const signedIn = (): SignIn | null => signIn;

/** null signs her out. */
export function setSignIn(value: SignIn | null): void {
  signIn = value;
  if (value) {
    store.setItem(SIGN_IN, JSON.stringify(value));
    store.setItem(CUSTOMER, value.customerId);
  } else store.removeItem(SIGN_IN);
}

export const lastCustomer = () => store.getItem(CUSTOMER) || "alice";
