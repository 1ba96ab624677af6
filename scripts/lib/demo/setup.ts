/** The demo's setup: its products put into inventory, its customers granted points. */
import { dollars } from "./output";
import type { Context, CustomerKey } from "./world";

export async function setUp(ctx: Context) {
  const { out, client, products, customers, grants } = ctx;
  out.line();
  out.line(out.bold("Setup"));
  for (const p of Object.values(products)) {
    await client.putProduct(p.sku, { name: p.name, priceCents: p.priceCents, stock: p.stock });
    ctx.model.stock.set(p.sku, { available: p.stock, reserved: 0, sold: 0 });
    out.line(
      `  ${out.tag("inventory")} PUT /products/${p.sku.padEnd(20)} ${p.name}, ${dollars(p.priceCents)}, ${p.stock} in stock`,
    );
  }
  for (const who of Object.keys(customers) as CustomerKey[]) {
    const id = customers[who];
    await client.grantPoints(id, grants[who], "npm run demo");
    ctx.model.points.set(id, { balance: grants[who], reserved: 0 });
    out.line(`  ${out.tag("rewards")} granted ${grants[who]} points to ${id}`);
  }
  out.line(
    out.dim(
      "  (inventory tells the order service about each product with a ProductUpserted event: prices come from its own copy)",
    ),
  );
}
