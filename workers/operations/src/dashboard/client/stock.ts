import { api, errorText, read } from "./api";
import { byId, h } from "./dom";
import { money } from "./format";

/** The catalogue the product picker offers now, as JSON: rebuilt only when this changes. */
let shownCatalogue = "";

/** `GET /products`: the stock table, and the form's product picker. */
export async function loadProducts(): Promise<void> {
  const answer = await read(api.products.$get());
  if (answer.status !== 200) throw new Error(`products: ${errorText(answer)}`);
  const products = answer.body.products;
  const rows = products.map((p) => {
    const total = p.available + p.reserved + p.sold;
    const bar = h("span");
    bar.style.width = `${total ? Math.round((100 * p.available) / total) : 0}%`;
    return h(
      "tr",
      null,
      h("td", null, p.name, h("small", { text: p.sku }), h("div", { className: "bar" }, bar)),
      h("td", { text: money(p.priceCents) }),
      h("td", { text: p.available }),
      h("td", { text: p.reserved }),
      h("td", { text: p.sold }),
    );
  });
  byId("stock-rows", HTMLTableSectionElement).replaceChildren(
    ...(rows.length
      ? rows
      : [h("tr", null, h("td", { colspan: 5, className: "empty", text: "No products yet." }))]),
  );
  // The choices change only when the catalogue does: an open picker is not pulled away.
  const catalogue = JSON.stringify(products.map((p) => [p.sku, p.name, p.priceCents]));
  if (catalogue === shownCatalogue) return;
  shownCatalogue = catalogue;
  const select = byId("sku", HTMLSelectElement);
  const chosen = select.value;
  const options = products.map((p) =>
    h("option", { value: p.sku, text: `${p.name} (${money(p.priceCents)})` }),
  );
  select.replaceChildren(
    ...(options.length ? options : [h("option", { value: "", text: "no products" })]),
  );
  if (chosen && products.some((p) => p.sku === chosen)) select.value = chosen;
}
