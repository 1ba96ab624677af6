/**
 * What a V8 heap snapshot (the `.heapsnapshot` JSON of the DevTools Protocol) holds, summed by
 * kind: self size per constructor (objects, closures) or per node type (strings, arrays, code),
 * the largest strings by what they start with, and what retains a kind. Pure: the snapshot in,
 * plain figures out; `diffSummaries` says what grew between two of them.
 */

/** The parts of a `.heapsnapshot` read here. */
export interface HeapSnapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface KindTotal {
  /** e.g. `object Map`, `closure drain`, `string`, `array (object elements)`. */
  kind: string;
  count: number;
  /** Sum of the nodes' self sizes, bytes. */
  bytes: number;
}

export interface HeapSummary {
  /** Sum of every node's self size, bytes. */
  totalBytes: number;
  nodes: number;
  /** Every kind, largest first. */
  kinds: KindTotal[];
  /**
   * Strings grouped by their first `STRING_PREFIX` characters with numbers and hex ids made `#`
   * (`evt-01a2...` and `evt-77ff...` are one group), largest first (top 30).
   */
  strings: KindTotal[];
}

const STRING_PREFIX = 60;
const STRING_TYPES = new Set(["string", "concatenated string", "sliced string"]);
/** Types whose node name says what they are (a constructor, a function, an internal kind). */
const NAMED_TYPES = new Set(["object", "closure", "native", "array", "hidden", "synthetic"]);

/** Field offsets and sizes of a snapshot's flat arrays. */
function layout(snapshot: HeapSnapshot) {
  const { node_fields, node_types, edge_fields, edge_types } = snapshot.snapshot.meta;
  return {
    nodeSize: node_fields.length,
    type: node_fields.indexOf("type"),
    name: node_fields.indexOf("name"),
    selfSize: node_fields.indexOf("self_size"),
    edgeCount: node_fields.indexOf("edge_count"),
    nodeTypes: node_types[0],
    edgeSize: edge_fields.length,
    edgeType: edge_fields.indexOf("type"),
    edgeName: edge_fields.indexOf("name_or_index"),
    toNode: edge_fields.indexOf("to_node"),
    edgeTypes: edge_types[0],
  };
}

/** The kind a node is counted under: its type, and for named types its name. */
function kindOf(snapshot: HeapSnapshot, l: ReturnType<typeof layout>, node: number): string {
  const type = l.nodeTypes[snapshot.nodes[node + l.type] as number] ?? "?";
  if (STRING_TYPES.has(type)) return "string";
  if (!NAMED_TYPES.has(type)) return type;
  const name = snapshot.strings[snapshot.nodes[node + l.name] as number] ?? "";
  // Some internal names carry an address or a count: "system / Context" stays, "(x) @123" loses the tail.
  return `${type} ${name.replace(/ @\d+$/, "").slice(0, 80)}`.trim();
}

/** What a string is counted under: its start, numbers and hex ids (uuids included) as `#`. */
export const stringGroup = (text: string) =>
  text
    .slice(0, STRING_PREFIX)
    .replace(/[0-9a-f]{8}(-?[0-9a-f]{4}){3}-?[0-9a-f]{12}|[0-9a-f]{8,}|\d+/gi, "#");

export function summarize(snapshot: HeapSnapshot): HeapSummary {
  const l = layout(snapshot);
  const kinds = new Map<string, KindTotal>();
  const strings = new Map<string, KindTotal>();
  let totalBytes = 0;
  const add = (map: Map<string, KindTotal>, kind: string, bytes: number) => {
    const total = map.get(kind) ?? { kind, count: 0, bytes: 0 };
    total.count++;
    total.bytes += bytes;
    map.set(kind, total);
  };
  for (let node = 0; node < snapshot.nodes.length; node += l.nodeSize) {
    const bytes = snapshot.nodes[node + l.selfSize] as number;
    totalBytes += bytes;
    const kind = kindOf(snapshot, l, node);
    add(kinds, kind, bytes);
    if (kind === "string") {
      const text = snapshot.strings[snapshot.nodes[node + l.name] as number] ?? "";
      add(strings, stringGroup(text), bytes);
    }
  }
  const largest = (map: Map<string, KindTotal>) =>
    [...map.values()].sort((a, b) => b.bytes - a.bytes);
  return {
    totalBytes,
    nodes: snapshot.nodes.length / l.nodeSize,
    kinds: largest(kinds),
    strings: largest(strings).slice(0, 30),
  };
}

export interface KindGrowth {
  kind: string;
  countBefore: number;
  countAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  /** bytesAfter - bytesBefore. */
  grew: number;
}

/** Kinds by how much they grew from `before` to `after`, most first (`top` of them). */
export function diffSummaries(
  before: Pick<HeapSummary, "kinds">,
  after: Pick<HeapSummary, "kinds">,
  top = 20,
): KindGrowth[] {
  const was = new Map(before.kinds.map((k) => [k.kind, k]));
  const is = new Map(after.kinds.map((k) => [k.kind, k]));
  const kinds = new Set([...was.keys(), ...is.keys()]);
  return [...kinds]
    .map((kind) => {
      const a = was.get(kind);
      const b = is.get(kind);
      return {
        kind,
        countBefore: a?.count ?? 0,
        countAfter: b?.count ?? 0,
        bytesBefore: a?.bytes ?? 0,
        bytesAfter: b?.bytes ?? 0,
        grew: (b?.bytes ?? 0) - (a?.bytes ?? 0),
      };
    })
    .sort((x, y) => y.grew - x.grew)
    .slice(0, top);
}

export interface Retainer {
  /**
   * The chain that holds a node of the kind asked about, nearest last, each link a node's kind
   * and the edge it holds by: `object Map.table > array[]` (a Map's table holds it by index).
   */
  via: string;
  /** How many nodes of the kind are held so. */
  count: number;
}

/**
 * Who holds the nodes of `kind`: for each, its first strong retainer and theirs, `depth` links
 * up, counted by chain, most first. Weak edges are left out: they keep nothing alive.
 */
export function retainersOf(snapshot: HeapSnapshot, kind: string, top = 10, depth = 3): Retainer[] {
  const l = layout(snapshot);
  const nodeCount = snapshot.nodes.length / l.nodeSize;
  // Each node's first strong retainer (its ordinal, -1: none seen) and the edge's label.
  const holder = new Int32Array(nodeCount).fill(-1);
  const label: string[] = new Array(nodeCount);
  let edge = 0;
  for (let node = 0; node < snapshot.nodes.length; node += l.nodeSize) {
    const edges = snapshot.nodes[node + l.edgeCount] as number;
    for (let i = 0; i < edges; i++, edge += l.edgeSize) {
      const type = l.edgeTypes[snapshot.edges[edge + l.edgeType] as number];
      if (type === "weak" || type === "shortcut") continue;
      const to = (snapshot.edges[edge + l.toNode] as number) / l.nodeSize;
      if (holder[to] !== -1) continue;
      holder[to] = node / l.nodeSize;
      // Elements and hidden edges carry an index; a table's internal edges are named by one.
      const named =
        type === "element" || type === "hidden"
          ? ""
          : (snapshot.strings[snapshot.edges[edge + l.edgeName] as number] ?? "");
      label[to] = named === "" || /^\d+$/.test(named) ? "[]" : `.${named}`;
    }
  }
  const counts = new Map<string, number>();
  for (let ordinal = 0; ordinal < nodeCount; ordinal++) {
    if (kindOf(snapshot, l, ordinal * l.nodeSize) !== kind) continue;
    const links: string[] = [];
    for (let at = ordinal, n = 0; n < depth && holder[at] !== -1; n++) {
      const up = holder[at] as number;
      links.unshift(`${kindOf(snapshot, l, up * l.nodeSize)}${label[at]}`);
      at = up;
    }
    const via = links.join(" > ") || "(root)";
    counts.set(via, (counts.get(via) ?? 0) + 1);
  }
  return [...counts]
    .map(([via, count]) => ({ via, count }))
    .sort((a, b) => b.count - a.count)
    .slice(0, top);
}
