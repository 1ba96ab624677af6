import type { OpenApiDocument } from "./document";

/**
 * The API reference as one self-contained HTML page, rendered from the OpenAPI document:
 * no scripts, no external assets (it works offline), readable on a phone.
 */

interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  additionalProperties?: boolean | Schema;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  default?: unknown;
  example?: unknown;
}
interface Parameter {
  $ref?: string;
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}
interface MediaType {
  schema?: Schema;
  example?: unknown;
}
interface Header {
  $ref?: string;
  description?: string;
  required?: boolean;
}
interface ResponseObject {
  description: string;
  headers?: Record<string, Header>;
  content?: Record<string, MediaType>;
}
interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { description?: string; required?: boolean; content: Record<string, MediaType> };
  responses: Record<string, ResponseObject>;
}
interface Spec {
  info: { title: string; version: string; description?: string };
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components?: {
    schemas?: Record<string, Schema>;
    parameters?: Record<string, Parameter>;
    headers?: Record<string, Header>;
    securitySchemes?: Record<string, { type: string; scheme?: string; description?: string }>;
  };
}

const METHODS = ["get", "put", "post", "patch", "delete"] as const;

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
const esc = (text: unknown) => String(text).replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

/** The little Markdown the descriptions use: `code`, "- " lists and blank-line paragraphs. */
function prose(text: string | undefined): string {
  if (!text) return "";
  const inline = (s: string) => esc(s).replace(/`([^`]+)`/g, "<code>$1</code>");
  return text
    .split(/\n\s*\n/)
    .map((block) => {
      const lines = block.split("\n");
      if (lines[0]?.startsWith("- ")) {
        const items: string[] = [];
        for (const line of lines) {
          if (line.startsWith("- ")) items.push(line.slice(2));
          else items[items.length - 1] += ` ${line.trim()}`;
        }
        return `<ul>${items.map((i) => `<li>${inline(i)}</li>`).join("")}</ul>`;
      }
      return `<p>${inline(lines.join(" "))}</p>`;
    })
    .join("");
}

const refName = (ref: string) => ref.slice(ref.lastIndexOf("/") + 1);
const anchor = (kind: string, name: string) => `${kind}-${name.replace(/[^A-Za-z0-9_-]/g, "-")}`;

function describeType(schema: Schema, spec: Spec): string {
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return spec.components?.schemas?.[name]
      ? `<a href="#${anchor("schema", name)}">${esc(name)}</a>`
      : esc(name);
  }
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return union.map((s) => describeType(s, spec)).join(" | ");
  if (schema.allOf) return schema.allOf.map((s) => describeType(s, spec)).join(" &amp; ");
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const label = types
    .map((type) => {
      if (type === "array")
        return `array of ${schema.items ? describeType(schema.items, spec) : "any"}`;
      if (type === "string" && schema.format) return `string (${esc(schema.format)})`;
      return esc(type);
    })
    .join(" | ");
  return label || "any";
}

function constraints(schema: Schema): string[] {
  const out: string[] = [];
  const values = schema.enum?.filter((v) => v !== null);
  if (values?.length) out.push(`one of ${values.map((v) => `<code>${esc(v)}</code>`).join(", ")}`);
  const n = (value: number) => (Math.abs(value) >= 10_000 ? value.toLocaleString("en-US") : value);
  const range = (min: number | undefined, max: number | undefined, unit = "") => {
    if (min !== undefined && max !== undefined) return `${n(min)}–${n(max)}${unit}`;
    if (min !== undefined) return `≥ ${n(min)}${unit}`;
    if (max !== undefined) return `≤ ${n(max)}${unit}`;
    return undefined;
  };
  const value = range(schema.minimum, schema.maximum);
  if (value) out.push(value);
  const length = range(schema.minLength, schema.maxLength, " characters");
  if (length) out.push(length);
  const items = range(schema.minItems, schema.maxItems, " items");
  if (items) out.push(items);
  if (schema.pattern) out.push(`matches <code>${esc(schema.pattern)}</code>`);
  if (schema.default !== undefined)
    out.push(`default <code>${esc(JSON.stringify(schema.default))}</code>`);
  if (schema.additionalProperties === false) out.push("no other fields");
  return out;
}

interface Field {
  name: string;
  schema: Schema;
  required: boolean;
}

/** An object's fields, nested objects (and `refs` too when `expand`) flattened as `a.b`, `a[].b`. */
function fields(schema: Schema, spec: Spec, expand: boolean, prefix = "", depth = 0): Field[] {
  const resolved = resolve(schema, spec, expand);
  if (!resolved.properties || depth > 4) return [];
  const required = new Set(resolved.required ?? []);
  return Object.entries(resolved.properties).flatMap(([key, property]) => {
    const name = `${prefix}${key}`;
    const row: Field = { name, schema: property, required: required.has(key) };
    const inner = resolve(property, spec, expand);
    const nested = inner.items
      ? fields(inner.items, spec, expand, `${name}[].`, depth + 1)
      : fields(inner, spec, expand, `${name}.`, depth + 1);
    return [row, ...nested];
  });
}

function resolve(schema: Schema, spec: Spec, follow = true): Schema {
  if (!follow || !schema.$ref) return schema;
  return spec.components?.schemas?.[refName(schema.$ref)] ?? schema;
}

function fieldList(rows: Field[], spec: Spec): string {
  if (rows.length === 0) return "";
  return `<dl class="fields">${rows
    .map(({ name, schema, required }) => {
      const notes = [...constraints(schema)];
      return `<div><dt><code>${esc(name)}</code> <span class="type">${describeType(schema, spec)}</span>${
        required ? ' <span class="req">required</span>' : ""
      }</dt><dd>${prose(schema.description)}${
        notes.length ? `<p class="notes">${notes.join(" · ")}</p>` : ""
      }</dd></div>`;
    })
    .join("")}</dl>`;
}

/** A plausible value for `schema`: its example, else one built from its parts. */
function sample(schema: Schema, spec: Spec, depth = 0): unknown {
  if (schema.example !== undefined) return schema.example;
  if (schema.$ref) return depth > 6 ? {} : sample(resolve(schema, spec), spec, depth + 1);
  if (schema.default !== undefined) return schema.default;
  const values = schema.enum?.filter((v) => v !== null);
  if (values?.length) return values[0];
  const union = schema.anyOf ?? schema.oneOf;
  if (union?.[0]) return sample(union[0], spec, depth + 1);
  if (schema.allOf) {
    return Object.assign({}, ...schema.allOf.map((s) => sample(s, spec, depth + 1)));
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const type = types.find((t) => t !== "null") ?? types[0];
  switch (type) {
    case "string":
      return schema.format === "date-time" ? "2026-04-20T09:30:00.000Z" : "string";
    case "integer":
    case "number":
      return schema.minimum ?? 0;
    case "boolean":
      return true;
    case "null":
      return null;
    case "array":
      return schema.items ? [sample(schema.items, spec, depth + 1)] : [];
    default:
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([k, v]) => [k, sample(v, spec, depth + 1)]),
      );
  }
}

const example = (value: unknown) =>
  `<pre><code>${esc(JSON.stringify(value, null, 2))}</code></pre>`;

function pathHtml(path: string): string {
  return esc(path).replace(/\{([^}]+)\}/g, '<span class="param">{$1}</span>');
}

function statusClass(status: string): string {
  if (status.startsWith("2")) return "ok";
  if (status.startsWith("4")) return "client";
  return "server";
}

function parametersHtml(op: Operation, spec: Spec): string {
  // Shared parameters ($ref) are described once, at the top of the page.
  const own = (op.parameters ?? []).filter((p) => !p.$ref);
  if (own.length === 0) return "";
  return `<h4>Parameters</h4><dl class="fields">${own
    .map((p) => {
      const schema = p.schema ?? {};
      const notes = constraints(schema);
      return `<div><dt><code>${esc(p.name)}</code> <span class="in">${esc(p.in)}</span> <span class="type">${describeType(
        schema,
        spec,
      )}</span>${p.required ? ' <span class="req">required</span>' : ""}</dt><dd>${prose(
        p.description ?? schema.description,
      )}${notes.length ? `<p class="notes">${notes.join(" · ")}</p>` : ""}</dd></div>`;
    })
    .join("")}</dl>`;
}

function requestBodyHtml(op: Operation, spec: Spec): string {
  const body = op.requestBody;
  if (!body) return "";
  return `<h4>Request body${body.required ? "" : ' <span class="opt">optional</span>'}</h4>${Object.entries(
    body.content,
  )
    .map(([type, media]) => {
      const schema = media.schema ?? {};
      const resolved = resolve(schema, spec);
      const rows = fields(schema, spec, true);
      const strict = resolved.additionalProperties === false;
      return `<p class="media"><code>${esc(type)}</code> · ${describeType(schema, spec)}</p>${prose(
        body.description,
      )}${fieldList(rows, spec)}${strict ? '<p class="notes">Unknown fields are rejected (400).</p>' : ""}${
        rows.length || schema.$ref
          ? `<details open><summary>Example</summary>${example(media.example ?? sample(schema, spec))}</details>`
          : ""
      }`;
    })
    .join("")}`;
}

function responsesHtml(op: Operation, spec: Spec): string {
  const rows = Object.entries(op.responses).map(([status, response]) => {
    const headers = Object.keys(response.headers ?? {}).filter((h) => !response.headers?.[h]?.$ref);
    const bodies = Object.entries(response.content ?? {}).map(
      ([type, media]) =>
        `<span class="body"><code>${esc(type)}</code> ${media.schema ? describeType(media.schema, spec) : ""}</span>`,
    );
    const firstJson = response.content?.["application/json"];
    const showExample = status.startsWith("2") && firstJson?.schema?.$ref;
    return `<li><span class="status ${statusClass(status)}">${esc(status)}</span><div>${prose(
      response.description,
    )}${bodies.length ? `<p class="notes">${bodies.join(" ")}</p>` : ""}${
      headers.length
        ? `<p class="notes">Headers: ${headers
            .map(
              (h) =>
                `<code>${esc(h)}</code>${response.headers?.[h]?.description ? ` (${prose(response.headers[h]?.description).replace(/^<p>|<\/p>$/g, "")})` : ""}`,
            )
            .join(", ")}</p>`
        : ""
    }${
      showExample && firstJson?.schema
        ? `<details><summary>Example</summary>${example(sample(firstJson.schema, spec))}</details>`
        : ""
    }</div></li>`;
  });
  return `<h4>Responses</h4><ul class="responses">${rows.join("")}</ul>`;
}

const methodBadge = (method: string) =>
  `<span class="method ${method}">${method.toUpperCase()}</span>`;

interface Entry {
  method: string;
  path: string;
  op: Operation;
  id: string;
}

function operationHtml({ method, path, op, id }: Entry, spec: Spec): string {
  const admin = (op.security ?? []).some((requirement) => Object.keys(requirement).length > 0);
  return `<section class="op" id="${esc(id)}"><h3>${methodBadge(method)} <code class="path">${pathHtml(
    path,
  )}</code></h3><p class="summary">${esc(op.summary ?? "")}${
    admin ? ' <span class="lock">admin token</span>' : ""
  }</p>${prose(op.description)}${parametersHtml(op, spec)}${requestBodyHtml(op, spec)}${responsesHtml(
    op,
    spec,
  )}</section>`;
}

function schemaHtml(name: string, schema: Schema, spec: Spec): string {
  const rows = fields(schema, spec, false);
  const parts = schema.allOf
    ? `<p class="notes">All of: ${schema.allOf.map((s) => describeType(s, spec)).join(", ")}</p>${schema.allOf
        .filter((s) => !s.$ref)
        .map((s) => fieldList(fields(s, spec, false), spec))
        .join("")}`
    : rows.length
      ? fieldList(rows, spec)
      : `<p class="notes">${describeType(schema, spec)}${constraints(schema).length ? ` · ${constraints(schema).join(" · ")}` : ""}</p>`;
  return `<section class="schema" id="${anchor("schema", name)}"><h3>${esc(name)}</h3>${prose(
    schema.description,
  )}${parts}${
    schema.properties || schema.allOf
      ? `<details><summary>Example</summary>${example(sample(schema, spec))}</details>`
      : ""
  }</section>`;
}

const CSS = `
:root{--fg:#1b1f24;--muted:#57606a;--bg:#fff;--card:#f6f8fa;--line:#d0d7de;--link:#0969da;
--get:#0969da;--post:#1a7f37;--put:#9a6700;--patch:#8250df;--delete:#cf222e;--ok:#1a7f37;--client:#9a6700;--server:#cf222e}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--card:#161b22;--line:#30363d;--link:#4493f8;
--get:#4493f8;--post:#3fb950;--put:#d29922;--patch:#a371f7;--delete:#f85149;--ok:#3fb950;--client:#d29922;--server:#f85149}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:56rem;margin:0 auto;padding:1rem}
a{color:var(--link)}
h1{font-size:1.6rem;margin:.5rem 0}
h2{font-size:1.3rem;margin:2.5rem 0 .5rem;padding-bottom:.25rem;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:0;display:flex;flex-wrap:wrap;align-items:center;gap:.5rem}
h4{font-size:.8rem;margin:1rem 0 .4rem;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.875em}
p code,li code,dd code{background:var(--card);border:1px solid var(--line);border-radius:4px;padding:0 .25em;overflow-wrap:anywhere}
pre{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.75rem;overflow-x:auto;margin:.5rem 0;max-width:100%}
pre code{border:0;padding:0;background:none}
.op,.schema{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1rem;margin:1rem 0}
.op pre,.schema pre{background:var(--bg)}
.path{font-size:1rem;overflow-wrap:anywhere}
.param{color:var(--muted)}
.summary{margin:.4rem 0;font-weight:600}
.method{display:inline-block;min-width:3.6rem;text-align:center;border-radius:4px;padding:.1rem .4rem;color:#fff;font:700 .75rem/1.4 ui-monospace,monospace}
.method.get{background:var(--get)}.method.post{background:var(--post)}.method.put{background:var(--put)}
.method.patch{background:var(--patch)}.method.delete{background:var(--delete)}
.lock,.req,.opt,.in{display:inline-block;font-size:.72rem;font-weight:600;border-radius:999px;padding:0 .5rem;border:1px solid var(--line);color:var(--muted);vertical-align:middle}
.lock{border-color:var(--put);color:var(--put)}
.req{border-color:var(--delete);color:var(--delete)}
.type{color:var(--muted);font-size:.875rem}
.fields{margin:0}
.fields>div{padding:.4rem 0;border-top:1px solid var(--line)}
.fields dt{overflow-wrap:anywhere}
.fields dd{margin:.1rem 0 0 1rem;color:var(--fg)}
.fields dd p{margin:.1rem 0}
.notes{color:var(--muted);font-size:.875rem;margin:.2rem 0}
.media{margin:.2rem 0}
.responses{list-style:none;margin:0;padding:0}
.responses li{display:flex;gap:.75rem;padding:.4rem 0;border-top:1px solid var(--line)}
.responses li>div{min-width:0;flex:1}
.responses p{margin:.1rem 0}
.status{flex:none;font:700 .85rem/1.6 ui-monospace,monospace;width:2.6rem}
.status.ok{color:var(--ok)}.status.client{color:var(--client)}.status.server{color:var(--server)}
summary{cursor:pointer;color:var(--link);font-size:.875rem;margin-top:.4rem}
nav ul{list-style:none;padding:0;margin:.25rem 0 1rem}
nav li{padding:.2rem 0;display:flex;gap:.5rem;align-items:baseline;flex-wrap:wrap}
nav a{text-decoration:none;overflow-wrap:anywhere}
nav h3{font-size:.8rem;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);margin-top:1rem}
footer{color:var(--muted);font-size:.875rem;margin:3rem 0 1rem}
@media (max-width:32rem){main{padding:.75rem}.op,.schema{padding:.75rem;margin:.75rem -.25rem}.fields dd{margin-left:.5rem}}
`;

/** The whole page. */
export function renderDocs(document: OpenApiDocument): string {
  const spec = document as unknown as Spec;
  const entries: Entry[] = Object.entries(spec.paths).flatMap(([path, item]) =>
    // In the document's order, which is the order operations.ts defines them in.
    Object.entries(item)
      .filter(([method]) => (METHODS as readonly string[]).includes(method))
      .map(([method, op]) => ({
        method,
        path,
        op,
        id: anchor("op", op.operationId ?? `${method}-${path}`),
      })),
  );
  const tagNames = [
    ...(spec.tags ?? []).map((t) => t.name),
    ...entries.flatMap((e) => e.op.tags ?? []),
  ].filter((name, i, all) => all.indexOf(name) === i);
  const byTag = (tag: string) => entries.filter((e) => (e.op.tags ?? [])[0] === tag);
  const untagged = entries.filter((e) => !e.op.tags?.length);
  const groups = [
    ...tagNames.map((name) => ({
      name,
      description: spec.tags?.find((t) => t.name === name)?.description,
      entries: byTag(name),
    })),
    ...(untagged.length ? [{ name: "Other", description: undefined, entries: untagged }] : []),
  ].filter((g) => g.entries.length > 0);

  const toc = groups
    .map(
      (g) =>
        `<h3>${esc(g.name)}</h3><ul>${g.entries
          .map(
            (e) =>
              `<li>${methodBadge(e.method)} <a href="#${esc(e.id)}"><code>${pathHtml(e.path)}</code></a> <span class="type">${esc(
                e.op.summary ?? "",
              )}</span></li>`,
          )
          .join("")}</ul>`,
    )
    .join("");

  const shared = Object.values(spec.components?.parameters ?? {});
  const security = Object.entries(spec.components?.securitySchemes ?? {});
  const conventions = `${
    shared.length
      ? `<h4>Accepted by every operation</h4><dl class="fields">${shared
          .map(
            (p) =>
              `<div><dt><code>${esc(p.name)}</code> <span class="in">${esc(p.in)}</span>${
                p.required ? ' <span class="req">required</span>' : ""
              }</dt><dd>${prose(p.description)}</dd></div>`,
          )
          .join("")}</dl>`
      : ""
  }${
    security.length
      ? `<h4>Authentication</h4><dl class="fields">${security
          .map(
            ([name, scheme]) =>
              `<div><dt><code>${esc(name)}</code> <span class="type">${esc(scheme.type)}${
                scheme.scheme ? ` ${esc(scheme.scheme)}` : ""
              }</span></dt><dd>${prose(scheme.description)}</dd></div>`,
          )
          .join("")}</dl>`
      : ""
  }`;

  const sections = groups
    .map(
      (g) =>
        `<h2 id="${anchor("tag", g.name)}">${esc(g.name)}</h2>${prose(g.description)}${g.entries
          .map((e) => operationHtml(e, spec))
          .join("")}`,
    )
    .join("");
  const schemas = Object.entries(spec.components?.schemas ?? {})
    .map(([name, schema]) => schemaHtml(name, schema, spec))
    .join("");

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${esc(spec.info.title)} reference</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header><h1>${esc(spec.info.title)}</h1><p class="notes">Version ${esc(spec.info.version)} · <a href="/openapi.json">OpenAPI document</a></p>${prose(
    spec.info.description,
  )}${conventions}</header>
<nav aria-label="Operations"><h2>Operations</h2>${toc}</nav>
${sections}
<h2 id="schemas">Schemas</h2>
${schemas}
<footer>Generated from the gateway's OpenAPI document (<a href="/openapi.json">/openapi.json</a>).</footer>
</main>
</body>
</html>
`;
}
