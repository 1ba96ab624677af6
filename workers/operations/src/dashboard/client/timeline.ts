import type { SagaService, TraceTimeout } from "@edge-saga/contracts";
import { h } from "./dom";
import { clock, since } from "./format";
import type { Saga, ShownOrder } from "./orders";
import { SERVICES } from "./services";

/** What one service did in one row of the timeline. */
interface Cell {
  className: string;
  text: string;
  title?: string;
}
type Cells = Partial<Record<SagaService, Cell>>;

// "PointsReservationFailed" may wrap between its words on a phone, not inside them.
function breakable(text: string): (Node | string)[] {
  const out: (Node | string)[] = [];
  text.split(/(?=[A-Z][a-z])/).forEach((part, i) => {
    if (i) out.push(h("wbr"));
    out.push(part);
  });
  return out;
}

function laneCells(cells: Cells): HTMLElement[] {
  return SERVICES.map((s) => {
    const c = cells[s];
    const el = h(
      "div",
      { className: `cell lane lane-${s}${c ? ` ${c.className}` : ""}` },
      ...(c ? breakable(c.text) : []),
    );
    if (c?.title) el.title = c.title;
    return el;
  });
}

/** One row of the timeline: its time, then what each service did. */
function step(title: string, time: string, cells: Cells): HTMLLIElement {
  return h("li", null, h("div", { className: "cell t", title, text: time }), ...laneCells(cells));
}

/** The row of the saga's deadline: after how long, and who had not answered. */
function deadlineStep(deadline: TraceTimeout, origin: number): HTMLLIElement {
  const waiting = deadline.waitingFor;
  const text = `⏱ deadline: timed out after ${deadline.afterSeconds} s${waiting.length ? `, no answer from ${waiting.join(" and ")}` : ""}`;
  return step(clock(deadline.at), since(deadline.at, origin), {
    order: {
      className: "deadline",
      text,
      title: `The order service rejected the order TIMED_OUT at ${clock(deadline.at)}; a later answer only gets its hold released.`,
    },
  });
}

/**
 * The saga of one order across the services' lanes: each event in the lane of its producer, and
 * in each subscriber's lane how that one took it (applied after how long, retries, duplicates
 * dropped, dead letter). Without a trace, the order service's own history.
 */
export function timeline(order: ShownOrder, d: Saga): HTMLOListElement {
  const origin = Date.parse(order.createdAt);
  const rows: HTMLLIElement[] = [];
  if (d.trace?.events) {
    let deadline = d.trace.timedOut;
    for (const ev of d.trace.events) {
      // The deadline is what caused the order's TIMED_OUT rejection: its row comes just before.
      if (deadline && ev.producer === "order" && ev.type === "OrderRejected") {
        rows.push(deadlineStep(deadline, origin));
        deadline = null;
      }
      const cells: Cells = {};
      cells[ev.producer] = {
        className: "ev",
        text: ev.type,
        title: `${ev.type} committed ${clock(ev.committedAt)}${ev.publishedAt ? `, published ${clock(ev.publishedAt)}` : ", not published yet"}`,
      };
      for (const del of ev.deliveries) {
        const parts: string[] = [];
        let cls = "got";
        if (del.appliedAt)
          parts.push(`✓ ${since(del.appliedAt, Date.parse(ev.committedAt)).slice(1)}`);
        else if (!del.deadLetter) parts.push("…");
        if (del.attempts > 1) parts.push(`↻${del.attempts - 1}`);
        if (del.duplicatesDropped) {
          parts.push(`dup ×${del.duplicatesDropped}`);
          cls += " dup";
        }
        if (del.deadLetter) {
          parts.push("✕ dead letter");
          cls += " dead";
        }
        cells[del.service] = {
          className: cls,
          text: parts.join(" "),
          title:
            del.service +
            (del.appliedAt ? ` applied ${clock(del.appliedAt)}` : " has not applied it") +
            (del.duplicatesDropped
              ? `; dropped ${del.duplicatesDropped} duplicate(s), last ${clock(del.lastDuplicateAt)}`
              : ""),
        };
      }
      rows.push(step(clock(ev.committedAt), since(ev.committedAt, origin), cells));
    }
    if (deadline) rows.push(deadlineStep(deadline, origin));
  } else if (d.history?.transitions) {
    // No trace from this gateway: the order service's own steps, put in the lane they came from.
    for (const t of d.history.transitions) {
      const lane: SagaService = /^Stock/.test(t.change)
        ? "inventory"
        : /^Points/.test(t.change)
          ? "rewards"
          : "order";
      const cells: Cells = {};
      cells[lane] =
        t.change === "SagaDeadline"
          ? {
              className: "deadline",
              text: `⏱ deadline → ${t.toStatus} (TIMED_OUT)`,
              title: clock(t.at),
            }
          : { className: "ev", text: `${t.change} → ${t.toStatus}`, title: clock(t.at) };
      rows.push(step(clock(t.at), since(t.at, origin), cells));
    }
  }
  if (!rows.length)
    rows.push(step("", "", { order: { className: "got", text: "waiting for events…" } }));
  const head = h(
    "li",
    { className: "lanes", "aria-hidden": "true" },
    h("div", { className: "cell t", text: "" }),
    ...SERVICES.map((s) => h("div", { className: `cell lane-${s}`, text: s })),
  );
  return h(
    "ol",
    {
      className: "timeline",
      "aria-label": `Saga timeline of ${order.customerId}'s order: ${order.status}`,
    },
    head,
    ...rows,
  );
}
