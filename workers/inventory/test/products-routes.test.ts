import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  expectConsistent,
  inbox,
  orderPlaced,
  productJson,
  published,
  put,
  request,
  seedProduct,
  stock,
  uniqueId,
} from "./helpers";

type ErrorJson = { error: { code: string; message: string; details?: { path: string }[] } };

async function errorOf(res: Response): Promise<ErrorJson["error"]> {
  return ((await res.json()) as ErrorJson).error;
}

/**
 * PUT /products/{sku} of a product that must never be written, while a trigger aborts every
 * write `before` names (`INSERT ON outbox WHEN …`); the trigger is dropped again after.
 */
async function putWhileRefused(sku: string, before: string) {
  await env.DB.prepare(
    `CREATE TRIGGER refuse_write BEFORE ${before}
     BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
  ).run();
  try {
    return await put(sku, { name: "Never", priceCents: 1, stock: 99 });
  } finally {
    await env.DB.prepare("DROP TRIGGER refuse_write").run();
  }
}

describe("PUT /products/{sku}", () => {
  it("creates a product: 201 with the Product, readable afterwards", async () => {
    const sku = uniqueId("create");
    const res = await put(sku, { name: "Blue mug", priceCents: 1250, stock: 7 });
    expect(res.status).toBe(201);
    const expected = {
      sku,
      name: "Blue mug",
      priceCents: 1250,
      available: 7,
      reserved: 0,
      sold: 0,
    };
    expect(await res.json()).toEqual(expected);
    expect(await (await request(`/products/${sku}`)).json()).toEqual(expected);
    expect(await stock(sku)).toEqual({
      available: 7,
      reserved: 0,
      sold: 0,
      received: 7,
      version: 1,
    });
  });

  it("updates: 200, stock sets available, received grows by what that adds, held units stay held", async () => {
    const sku = uniqueId("update");
    await seedProduct(sku, 10);
    await inbox(orderPlaced(uniqueId("o"), [{ sku, quantity: 3 }]));
    expect(await stock(sku)).toMatchObject({ available: 7, reserved: 3, received: 10 });

    const lower = await put(sku, { name: "Renamed", priceCents: 99, stock: 5 });
    expect(lower.status).toBe(200);
    expect(await productJson(lower)).toEqual({
      sku,
      name: "Renamed",
      priceCents: 99,
      available: 5,
      reserved: 3,
      sold: 0,
    });
    // 10 put, then available went 7 -> 5: two units taken off the shelf.
    expect(await stock(sku)).toEqual({
      available: 5,
      reserved: 3,
      sold: 0,
      received: 8,
      version: 2,
    });

    const higher = await put(sku, { name: "Renamed", priceCents: 99, stock: 20 });
    expect(higher.status).toBe(200);
    expect(await stock(sku)).toEqual({
      available: 20,
      reserved: 3,
      sold: 0,
      received: 23,
      version: 3,
    });
    await expectConsistent();
  });

  it("writes neither the event without the product nor the product without the event", async () => {
    const sku = uniqueId("atomic");
    await seedProduct(sku, 4);
    // Make each half of the batch fail in turn; the other half must roll back with it.
    const noEvent = await putWhileRefused(
      sku,
      `INSERT ON outbox WHEN NEW.correlation_id = '${sku}'`,
    );
    expect(noEvent.status).toBe(500);
    expect(await stock(sku)).toMatchObject({ available: 4, version: 1 });

    const noProduct = await putWhileRefused(sku, `UPDATE ON products WHEN NEW.sku = '${sku}'`);
    expect(noProduct.status).toBe(500);

    expect((await published(sku)).map((e) => e.sequence)).toEqual([1]);
    expect(await productJson(await request(`/products/${sku}`))).toMatchObject({
      name: `Product ${sku}`,
      available: 4,
    });
  });

  it("gives concurrent puts distinct versions, the newest event matching the stored product", async () => {
    const sku = uniqueId("race");
    const names = ["Alpha", "Bravo", "Charlie"];
    const responses = await Promise.all(
      names.map((name, i) => put(sku, { name, priceCents: i, stock: i + 1 })),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 201]);

    const events = await published(sku);
    expect(events.map((e) => e.sequence).sort()).toEqual([1, 2, 3]);
    const newest = events.find((e) => e.sequence === 3);
    const stored = await productJson(await request(`/products/${sku}`));
    expect(newest?.payload).toEqual({
      sku,
      name: stored.name,
      price: { amountCents: stored.priceCents, currency: "USD" },
    });
    expect(await stock(sku)).toMatchObject({ version: 3, received: stored.available });
  });

  it("refuses a body missing fields with 400 VALIDATION_FAILED naming each field", async () => {
    const res = await put(uniqueId("bad"), { name: "No price" });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.details?.map((d) => d.path).sort()).toEqual(["priceCents", "stock"]);
  });

  it.each([
    ["negative stock", { name: "x", priceCents: 1, stock: -1 }, "stock"],
    ["fractional stock", { name: "x", priceCents: 1, stock: 1.5 }, "stock"],
    ["negative price", { name: "x", priceCents: -5, stock: 1 }, "priceCents"],
    ["blank name", { name: "   ", priceCents: 1, stock: 1 }, "name"],
    ["unknown field", { name: "x", priceCents: 1, stock: 1, color: "red" }, "(root)"],
  ])("refuses %s with 400 VALIDATION_FAILED", async (_, body, path) => {
    const sku = uniqueId("bad");
    const res = await put(sku, body);
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.details?.map((d) => d.path)).toEqual([path]);
    expect(await stock(sku)).toBeNull();
    expect(await published(sku)).toEqual([]);
  });

  it("refuses malformed JSON with 400 MALFORMED_JSON", async () => {
    const res = await put(uniqueId("bad"), '{"name": "x", ');
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("MALFORMED_JSON");
  });

  it("refuses a SKU outside ^[A-Za-z0-9._-]{1,64}$ with 400", async () => {
    for (const sku of ["has%20space", "semi%3Bcolon", "x".repeat(65)]) {
      const res = await put(sku, { name: "x", priceCents: 1, stock: 1 });
      expect(res.status, sku).toBe(400);
      expect((await errorOf(res)).code).toBe("VALIDATION_FAILED");
    }
  });
});

describe("GET /products", () => {
  it("lists every product sorted by SKU", async () => {
    const [b, a, c] = ["list-b", "list-a", "list-c"];
    for (const sku of [b!, a!, c!]) await seedProduct(sku, 1);
    const res = await request("/products");
    expect(res.status).toBe(200);
    const { products } = (await res.json()) as { products: { sku: string }[] };
    const skus = products.map((p) => p.sku);
    expect(skus).toEqual([...skus].sort());
    expect(skus.filter((s) => s.startsWith("list-"))).toEqual([a, b, c]);
    expect(Object.keys(products[0]!).sort()).toEqual(
      ["available", "name", "priceCents", "reserved", "sku", "sold"].sort(),
    );
  });

  it("answers an unknown SKU with 404 NOT_FOUND", async () => {
    const res = await request("/products/no-such-sku");
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toEqual({ code: "NOT_FOUND", message: "no product no-such-sku" });
  });

  it("answers an invalid SKU with 400", async () => {
    const res = await request(`/products/${"x".repeat(65)}`);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("VALIDATION_FAILED");
  });
});
