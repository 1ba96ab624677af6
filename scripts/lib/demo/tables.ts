/** The demo's closing tables: the stock of its products and the points of its customers. */
import Table from "cli-table3";
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
    table(
      ["product", "sku", "available", "reserved", "sold"].map(out.dim),
      products.map((p) => [p.name, p.sku, p.available, p.reserved, p.sold]),
    ),
  );
  out.line();
  out.line(out.bold("Points of the demo's customers"));
  out.line(
    table(
      ["customer", "balance", "reserved", "lifetime earned"].map(out.dim),
      accounts.map((a) => [a.customerId, a.balance, a.reserved, a.lifetimeEarned]),
    ),
  );
}

/** A borderless table indented by two spaces: text columns left, numbers right. */
function table(head: string[], rows: (string | number)[][]): string {
  // cli-table3 draws box borders by default: every border character blank.
  const parts = "top top-mid top-left top-right bottom bottom-mid bottom-left bottom-right";
  const inner = "left left-mid mid mid-mid right right-mid middle";
  const blank = Object.fromEntries(`${parts} ${inner}`.split(" ").map((part) => [part, ""]));
  const numeric = head.map(
    (_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === "number"),
  );
  const grid = new Table({
    head,
    chars: { ...blank, left: "  " },
    colAligns: numeric.map((right) => (right ? "right" : "left")),
    style: { head: [], border: [], "padding-left": 0, "padding-right": 2 },
  });
  grid.push(...rows.map((row) => row.map(String)));
  return grid
    .toString()
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n");
}
