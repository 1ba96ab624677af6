import { env } from "cloudflare:workers";
import { asAdmin, asCustomer } from "@edge-saga/kit-testing";
import { beforeAll, describe, expect, it } from "vitest";
import { grant, postGrant, readRewards, uniqueId } from "./helpers";

const alice = uniqueId("alice");
const bob = uniqueId("bob");
const READS = ["", "/ledger", "/history"];

/** Rows of every table a grant or a read could write: equal before and after a refusal. */
async function written() {
  const count = (table: string) =>
    env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<number>("n");
  const tables = ["ledger", "account_snapshots", "holds", "awards", "outbox"];
  return Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await count(t)])));
}

async function refused(call: () => Promise<Response>, status: number, code: string) {
  const before = await written();
  const res = await call();
  expect(res.status).toBe(status);
  const text = await res.text();
  expect(JSON.parse(text).error.code).toBe(code);
  expect(await written()).toEqual(before);
  return { res, text };
}

describe("the rewards routes act only for the gateway's caller", () => {
  beforeAll(() => grant(alice, 300));

  it("show alice her own account, ledger and history", async () => {
    for (const suffix of READS) {
      const res = await readRewards(alice, suffix);
      expect(res.status, suffix).toBe(200);
      expect(await res.text(), suffix).toContain(alice);
    }
    expect(await (await readRewards(alice)).json()).toMatchObject({ balance: 300 });
  });

  it("refuse bob alice's account, ledger and history: 403 FORBIDDEN, nothing of hers shown", async () => {
    for (const suffix of READS) {
      const { text } = await refused(
        () => readRewards(alice, suffix, asCustomer(bob)),
        403,
        "FORBIDDEN",
      );
      expect(text, suffix).not.toContain("300");
    }
  });

  it("answer 401 UNAUTHENTICATED with WWW-Authenticate when no verified caller came", async () => {
    for (const suffix of READS) {
      const { res } = await refused(() => readRewards(alice, suffix, {}), 401, "UNAUTHENTICATED");
      expect(res.headers.get("www-authenticate"), suffix).toMatch(/^Bearer/);
    }
    await refused(() => postGrant(alice, { points: 5 }, {}, {}), 401, "UNAUTHENTICATED");
  });

  it("let only an operator grant: a customer, even to her own account, is 403 and gains nothing", async () => {
    await refused(() => postGrant(alice, { points: 5 }, {}, asCustomer(alice)), 403, "FORBIDDEN");
    await refused(() => postGrant(alice, { points: 5 }, {}, asCustomer(bob)), 403, "FORBIDDEN");
    expect(await (await readRewards(alice)).json()).toMatchObject({ balance: 300 });
  });

  it("let an operator read anyone's account, ledger and history", async () => {
    for (const suffix of READS) {
      const res = await readRewards(alice, suffix, asAdmin());
      expect(res.status, suffix).toBe(200);
      expect(await res.text(), suffix).toContain("300");
    }
  });
});
