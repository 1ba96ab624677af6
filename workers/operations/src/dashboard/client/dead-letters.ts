import { admin, errorText, read } from "./api";
import { byId, h } from "./dom";
import { SERVICES } from "./services";
import { adminToken } from "./session";

/**
 * The dead-letter card, admin token only: each service's open dead letters, a bulk action by
 * filter (a dry run first shows how many match and the oldest few; only then may the operator
 * replay or discard exactly that filter) and the audit of bulk actions. The routes:
 * `GET /admin/dead-letters`, `POST /admin/dead-letters/replay|discard`, `GET /admin/dead-letters/audit`.
 */

type Filter = {
  service: "all" | "order" | "inventory" | "rewards" | "payment" | "view";
  eventType?: string;
  reason?: string;
};
type Slot = { error?: { message: string } } & Record<string, unknown>;
type Letter = {
  id: string;
  eventType: string | null;
  reason: string;
  receivedAt: number;
  resolvedAt: number | null;
};
type Bulk = {
  matched: number;
  sample: Letter[];
  resolved: number;
  failed: unknown[];
  untried: number;
};
type AuditRow = {
  at: number;
  actor: string;
  action: string;
  count: number;
  filter: Record<string, unknown>;
};

const time = (ms: number) => new Date(ms).toLocaleTimeString([], { hour12: false });
const slots = (body: unknown) =>
  ((body as { services?: Record<string, Slot> } | null)?.services ?? {}) as Record<string, Slot>;

/** The filter the form says; the one a dry run counted is kept until the form changes. */
function formFilter(): Filter {
  const value = (id: string) => byId(id, HTMLInputElement).value.trim() || undefined;
  return {
    // The select offers only these (wireDeadLetterForm).
    service: byId("dead-service", HTMLSelectElement).value as Filter["service"],
    eventType: value("dead-type"),
    reason: value("dead-reason"),
  };
}

let counted: Filter | null = null;

/** Lists, and wires the form once. Called on each round of the dashboard's polling. */
export async function loadDeadLetters(): Promise<void> {
  const token = adminToken();
  byId("dead-admin", HTMLDivElement).hidden = !token;
  byId("dead-note", HTMLParagraphElement).textContent = token
    ? ""
    : "Enter the admin token to see and act on dead letters.";
  if (!token) return;
  const [list, audit] = await Promise.all([
    read(admin().admin["dead-letters"].$get()),
    read(admin().admin["dead-letters"].audit.$get({ query: { limit: "10" } })),
  ]);
  const rows = Object.entries(slots(list.body)).flatMap(([service, slot]) =>
    ((slot.deadLetters as Letter[] | undefined) ?? [])
      .filter((d) => d.resolvedAt === null)
      .map((d) => ({ service, ...d })),
  );
  byId("dead-rows", HTMLTableSectionElement).replaceChildren(
    ...(rows.length
      ? rows
          .slice(0, 20)
          .map((d) =>
            h(
              "tr",
              null,
              h("td", { text: d.service }),
              h("td", { text: d.eventType ?? "?" }),
              h("td", { text: d.reason }),
              h("td", { text: time(d.receivedAt) }),
            ),
          )
      : [
          h("tr", null, h("td", { colspan: 4, className: "empty", text: "No open dead letters." })),
        ]),
  );
  const actions = Object.entries(slots(audit.body))
    .flatMap(([service, slot]) =>
      ((slot.audit as AuditRow[] | undefined) ?? []).map((a) => ({ service, ...a })),
    )
    .sort((a, b) => b.at - a.at)
    .slice(0, 10);
  byId("audit-rows", HTMLTableSectionElement).replaceChildren(
    ...(actions.length
      ? actions.map((a) =>
          h(
            "tr",
            null,
            h("td", { text: time(a.at) }),
            h("td", { text: a.service }),
            h("td", { text: a.action }),
            h("td", { text: a.count }),
            h("td", { text: a.actor, title: "The admin token's fingerprint" }),
            h("td", { text: JSON.stringify(a.filter) }),
          ),
        )
      : [h("tr", null, h("td", { colspan: 6, className: "empty", text: "No bulk actions yet." }))]),
  );
}

/** What one bulk call answered, summed over the services it asked; or its error. */
async function bulk(action: "replay" | "discard", filter: Filter, dryRun: boolean) {
  const route = admin().admin["dead-letters"][action];
  const answer = await read(route.$post({ json: { filter, dryRun } }));
  if (answer.status !== 200 && answer.status !== 502)
    return { ok: false as const, error: errorText(answer) };
  const parts = Object.values(slots(answer.body)) as (Slot & Partial<Bulk>)[];
  const failedServices = parts.filter((p) => p.error).length;
  return {
    ok: true as const,
    matched: parts.reduce((n, p) => n + (p.matched ?? 0), 0),
    resolved: parts.reduce((n, p) => n + (p.resolved ?? 0), 0),
    failed: parts.reduce((n, p) => n + (p.failed?.length ?? 0), 0),
    sample: parts.flatMap((p) => p.sample ?? []).slice(0, 10),
    error: failedServices ? `${failedServices} service(s) did not answer` : undefined,
  };
}

/** The form: Dry run counts; Replay / Discard act on what was counted, after it was counted. */
export function wireDeadLetterForm(refresh: () => void): void {
  const select = byId("dead-service", HTMLSelectElement);
  select.replaceChildren(
    h("option", { value: "all", text: "all services" }),
    ...[...SERVICES, "view"].map((s) => h("option", { value: s, text: s })),
  );
  const msg = byId("dead-msg", HTMLParagraphElement);
  const confirm = byId("dead-confirm", HTMLDivElement);
  const say = (text: string, error = false) => {
    msg.textContent = text;
    msg.className = error ? "msg error" : "msg";
  };
  const form = byId("dead-form", HTMLFormElement);
  form.addEventListener("input", () => {
    counted = null;
    confirm.replaceChildren();
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const filter = formFilter();
    if (!filter.eventType && !filter.reason)
      return say("Name an event type or a reason first.", true);
    const answer = await bulk("replay", filter, true);
    if (!answer.ok) return say(answer.error, true);
    counted = filter;
    say(
      `${answer.matched} match (dry run, nothing changed).${answer.error ? ` ${answer.error}` : ""}`,
    );
    const act = (label: string) =>
      h("button", { type: "button", className: "quiet", text: `${label} ${answer.matched}` });
    const replay = act("Replay");
    const discard = act("Discard");
    for (const [button, action] of [
      [replay, "replay"],
      [discard, "discard"],
    ] as const)
      button.addEventListener("click", async () => {
        if (!counted) return;
        const done = await bulk(action, counted, false);
        counted = null;
        confirm.replaceChildren();
        if (!done.ok) return say(done.error, true);
        say(
          `${action === "replay" ? "Replayed" : "Discarded"} ${done.resolved} of ${done.matched}` +
            (done.failed ? `; ${done.failed} failed and stay open` : "") +
            (done.error ? `; ${done.error}` : "."),
          Boolean(done.error || done.failed),
        );
        refresh();
      });
    confirm.replaceChildren(
      h(
        "ul",
        { className: "sample" },
        ...answer.sample.map((d) => h("li", { text: `${d.eventType ?? "?"}: ${d.reason}` })),
      ),
      ...(answer.matched ? [replay, discard] : []),
    );
  });
}
