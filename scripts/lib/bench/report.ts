import type { Summary } from "./stats";
import { type BacklogSample, RELAY_SERVICES, type RelayService } from "./workloads";

/** One line of the results table: a figure, its unit, the measured values and the target. */
export interface Row {
  section: string;
  figure: string;
  /** p50 / p99 for latencies; `value` for rates and ratios. */
  p50?: number;
  p99?: number;
  value?: number | string | null;
  unit: string;
  samples?: number;
  target?: string;
  /** true: met, false: missed, undefined: no target. */
  met?: boolean;
}

export function latencyRow(
  section: string,
  figure: string,
  s: Summary,
  target?: { text: string; met: boolean },
): Row {
  return {
    section,
    figure,
    p50: s.p50,
    p99: s.p99,
    unit: "ms",
    samples: s.samples,
    target: target?.text,
    met: target?.met,
  };
}

const fmt = (n: number | string | null | undefined) =>
  n === undefined
    ? ""
    : n === null || (typeof n === "number" && !Number.isFinite(n))
      ? "n/a"
      : String(n);

/** The markdown table of `latest.md`. */
export function markdown(title: string, meta: Record<string, string>, rows: Row[]): string {
  const lines = [`# ${title}`, ""];
  for (const [k, v] of Object.entries(meta)) lines.push(`- ${k}: ${v}`);
  lines.push("", "| section | figure | p50 | p99 | value | unit | samples | target | met |");
  lines.push("|---|---|---:|---:|---:|---|---:|---|---|");
  for (const r of rows) {
    const met = r.met === undefined ? "" : r.met ? "yes" : "**no**";
    lines.push(
      `| ${r.section} | ${r.figure} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.value)} | ${r.unit} | ${fmt(r.samples)} | ${r.target ?? ""} | ${met} |`,
    );
  }
  lines.push("", "See bench/README.md for what each figure measures and how to read it.", "");
  return lines.join("\n");
}

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * A hand-made SVG: left, horizontal bars of p50 (solid) and p99 (light) for every latency row
 * on one log scale; right, the outbox backlog of each service over the throughput run.
 */
export function svg(rows: Row[], backlog: BacklogSample[], title: string): string {
  // Rows without samples (NaN) have nothing to draw.
  const latency = rows.filter(
    (r) => r.unit === "ms" && Number.isFinite(r.p50) && Number.isFinite(r.p99),
  );
  const W = 1100;
  const barTop = 60;
  const rowH = 26;
  const labelW = 330;
  const barW = 300;
  const H = Math.max(barTop + latency.length * rowH + 60, 420);
  const values = latency
    .flatMap((r) => [r.p50 ?? 0, r.p99 ?? 0])
    .filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.max(0.1, Math.min(...values, 1));
  const hi = Math.max(...values, 10);
  const logX = (v: number) =>
    labelW +
    (barW * (Math.log10(Math.max(v, lo)) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="10" y="22" font-size="16" font-weight="bold">${esc(title)}</text>`,
    `<text x="10" y="44" fill="#555">Latencies (ms, log scale): dark = p50, light = p99</text>`,
  ];
  // Log-scale gridlines at powers of ten.
  for (let p = Math.ceil(Math.log10(lo)); p <= Math.floor(Math.log10(hi)); p++) {
    const x = logX(10 ** p);
    out.push(
      `<line x1="${x}" y1="${barTop - 6}" x2="${x}" y2="${barTop + latency.length * rowH}" stroke="#ddd"/>`,
      `<text x="${x}" y="${barTop + latency.length * rowH + 14}" text-anchor="middle" fill="#777">${10 ** p}</text>`,
    );
  }
  latency.forEach((r, i) => {
    const y = barTop + i * rowH;
    const x0 = labelW;
    out.push(
      `<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${esc(`${r.section}: ${r.figure}`.slice(0, 52))}</text>`,
      `<rect x="${x0}" y="${y + 3}" width="${Math.max(1, logX(r.p99 ?? 0) - x0)}" height="16" fill="${r.met === false ? "#f4b6b6" : "#b6cff4"}"/>`,
      `<rect x="${x0}" y="${y + 3}" width="${Math.max(1, logX(r.p50 ?? 0) - x0)}" height="16" fill="${r.met === false ? "#c0392b" : "#2a6fdb"}"/>`,
      `<text x="${logX(r.p99 ?? 0) + 4}" y="${y + 15}" fill="#333">${r.p50} / ${r.p99}</text>`,
    );
  });

  // Backlog chart.
  const cx = 720;
  const cy = 60;
  const cw = 350;
  const ch = 260;
  const tMax = Math.max(1, ...backlog.map((s) => s.t));
  const bMax = Math.max(1, ...backlog.flatMap((s) => RELAY_SERVICES.map((service) => s[service])));
  out.push(
    `<text x="${cx}" y="44" fill="#555">Outbox backlog (pending rows) during the throughput run</text>`,
    `<rect x="${cx}" y="${cy}" width="${cw}" height="${ch}" fill="none" stroke="#999"/>`,
    `<text x="${cx - 4}" y="${cy + 10}" text-anchor="end" fill="#777">${bMax}</text>`,
    `<text x="${cx - 4}" y="${cy + ch}" text-anchor="end" fill="#777">0</text>`,
    `<text x="${cx + cw}" y="${cy + ch + 14}" text-anchor="end" fill="#777">${tMax.toFixed(1)} s</text>`,
  );
  const colors: Record<RelayService, string> = {
    order: "#2a6fdb",
    inventory: "#27ae60",
    rewards: "#e67e22",
    payment: "#8e44ad",
  };
  RELAY_SERVICES.forEach((key, i) => {
    const color = colors[key];
    const points = backlog
      .filter((s) => s[key] >= 0)
      .map(
        (s) =>
          `${(cx + (s.t / tMax) * cw).toFixed(1)},${(cy + ch - (s[key] / bMax) * ch).toFixed(1)}`,
      )
      .join(" ");
    out.push(
      `<polyline points="${points}" fill="none" stroke="${color}" stroke-width="1.5"/>`,
      `<text x="${cx + 10 + i * 100}" y="${cy + ch + 34}" fill="${color}">${key}</text>`,
    );
  });
  out.push("</svg>", "");
  return out.join("\n");
}
