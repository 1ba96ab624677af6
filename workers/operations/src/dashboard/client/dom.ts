/** The page's element `id`, checked to be what the script takes it for. */
export function byId<T extends HTMLElement>(id: string, type: { new (): T; prototype: T }): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`#${id} is not a ${type.name}`);
  return el;
}

/** `text` becomes the element's text and `className` its class; any other key an attribute. */
export type Props = Record<string, string | number | undefined>;
/** Nothing is appended for null, undefined and false: `cond && h(...)` reads well. */
export type Child = Node | string | number | null | undefined | false;

/**
 * A new element. Strings from the API go in through `text` or as children, both text nodes:
 * nothing the API answers is ever parsed as HTML.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    // textContent takes undefined as "" (a missing figure shows blank, not "undefined").
    if (key === "text") el.textContent = value === undefined ? "" : String(value);
    else if (key === "className") el.className = String(value);
    else el.setAttribute(key, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}
