/** The demo's closing tables: the stock of its products and the points of its customers. */
import type { Context } from "./world";

export async function printTables(ctx: Context) {
  const { out, client } = ctx;
  const products = await Promise.all(
    Object.values(ctx.products).map((p) => client.getProduct(p.sku)),
  );
  const accounts = await Promise.all(
    Object.values(ctx.customers).map((id) => client.getRewards(id)),
  );
  out.line();
  out.line(out.bold("Stock of the demo's products"));
  out.line(
    out.dim(
      `  ${"product".padEnd(22)}${"sku".padEnd(24)}${"available".padStart(10)}${"reserved".padStart(10)}${"sold".padStart(7)}`,
    ),
  );
  for (const p of products) {
    out.line(
      `  ${p.name.padEnd(22)}${p.sku.padEnd(24)}${String(p.available).padStart(10)}${String(p.reserved).padStart(10)}${String(p.sold).padStart(7)}`,
    );
  }
  out.line();
  out.line(out.bold("Points of the demo's customers"));
  out.line(
    out.dim(
      `  ${"customer".padEnd(22)}${"balance".padStart(10)}${"reserved".padStart(10)}${"lifetime earned".padStart(17)}`,
    ),
  );
  for (const a of accounts) {
    out.line(
      `  ${a.customerId.padEnd(22)}${String(a.balance).padStart(10)}${String(a.reserved).padStart(10)}${String(a.lifetimeEarned).padStart(17)}`,
    );
  }
}
