import type { SagaService, TraceEffect, TraceTimeout } from "@edge-saga/contracts";
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
 * The row of one call to the card processor, in its service's lane: each attempt (✕ no answer,
 * made again with the same idempotency key; ✓ answered) and how long it took; the title lists
 * every attempt with its time and what came of it.
 */
function effectStep(effect: TraceEffect, origin: number): HTMLLIElement {
  const calls = effect.calls.map((c) => `${c.result === "done" ? "✓" : "✕"} ${c.ms} ms`);
  const pending = effect.status === "PENDING";
  const text = `PSP ${effect.kind}: ${calls.join(", ") || "not called yet"}${pending ? " …" : ""}`;
  const title = [
    `${effect.kind} (key ${effect.key}), decided ${clock(effect.decidedAt)}`,
    ...effect.calls.map(
      (c) =>
        `#${c.attempt} ${clock(c.at)} ${c.ms} ms ${c.result === "done" ? "answered" : "no answer, made again"}${c.detail ? `: ${c.detail}` : ""}`,
    ),
    pending
      ? `no answer yet${effect.lastError ? ` (${effect.lastError})` : ""}`
      : `done ${clock(effect.doneAt)}`,
  ].join("\n");
  const at = effect.calls.at(-1)?.at ?? effect.decidedAt;
  let className = "psp";
  if (effect.calls.some((c) => c.result === "retry")) className += " retried";
  if (pending) className += " pending";
  return step(clock(at), since(at, origin), {
    [effect.service]: { className, text, title },
  });
}

/**
 * The saga of one order across the services' lanes: each event in the lane of its producer, and
 * in each subscriber's lane how that one took it (applied after how long, retries, duplicates
 * dropped, dead letter); each call to the card processor in the payment lane, just before the
 * event that reports its answer. Without a trace, the order service's own history.
 */
export function timeline(order: ShownOrder, d: Saga): HTMLOListElement {
  const origin = Date.parse(order.createdAt);
  const rows: HTMLLIElement[] = [];
  if (d.trace?.events) {
    let deadline = d.trace.timedOut;
    // A trace from an operations Worker older than the payment lane has no effects.
    const effects = d.trace.effects ?? [];
    const reported = new Set(effects.map((e) => e.reportedBy));
    for (const ev of d.trace.events) {
      if (reported.has(ev.eventId))
        for (const effect of effects)
          if (effect.reportedBy === ev.eventId) rows.push(effectStep(effect, origin));
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
    // Calls still without an answer (or whose answer no event reports, a void of nothing held).
    for (const effect of effects) if (!effect.reportedBy) rows.push(effectStep(effect, origin));
  } else if (d.history?.transitions) {
    // No trace from this gateway: the order service's own steps, put in the lane they came from.
    for (const t of d.history.transitions) {
      const lane: SagaService = /^Stock/.test(t.change)
        ? "inventory"
        : /^Points/.test(t.change)
          ? "rewards"
          : /^Payment/.test(t.change)
            ? "payment"
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
