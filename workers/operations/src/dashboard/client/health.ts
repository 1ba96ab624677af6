import type { SagaService } from "@edge-saga/contracts";
import type { KitStats, ServiceFailure } from "@edge-saga/contracts/http";
import type { z } from "zod";
import { admin, errorText, read } from "./api";
import { byId, h } from "./dom";
import { age } from "./format";
import { SERVICES } from "./services";
import { adminToken } from "./session";

/** One service's slot in `GET /admin/stats`: its figures, or its error when it failed. */
type StatsSlot = z.infer<typeof KitStats> | z.infer<typeof ServiceFailure>;
type Figures = Partial<Record<SagaService, StatsSlot>>;

/** The outbox backlog and dead-letter cards; without the admin token, "token needed". */
export async function loadStats(): Promise<void> {
  const note = byId("health-note", HTMLParagraphElement);
  const token = adminToken();
  let figures: Figures = {};
  if (!token) {
    note.textContent = "Enter the admin token to see the counters.";
  } else {
    // A 502 carries the services that answered, beside its error.
    const answer = await read(admin().admin.stats.$get());
    if (answer.status === 401 || answer.status === 403) {
      note.textContent = `The admin token was refused (${errorText(answer)}).`;
    } else {
      const ok = answer.status === 200;
      note.textContent = ok ? "" : `Some services did not answer: ${errorText(answer)}`;
      if (ok || answer.status === 502) figures = answer.body.services;
    }
  }
  const cards = SERVICES.map((s) => {
    const f = figures[s];
    const stats = f && "outbox" in f && f.outbox ? f : undefined;
    const dd = (value: string | number | undefined, bad = false) => {
      if (!token) return h("dd", { className: "na", text: "token needed" });
      if (!stats) return h("dd", { className: "na", text: "—" });
      return h("dd", { className: bad ? "bad" : "", text: value });
    };
    const t = stats?.totals;
    // On several shards, each shard's backlog and open dead letters, by shard: one behind shows.
    const shards = stats?.shards && stats.shards.length > 1 ? stats.shards : [];
    const perShard = shards.length
      ? [
          h("dt", { text: "Shards", title: "Backlog / open dead letters of each shard, by shard" }),
          dd(
            shards.map((p) => `${p.outbox.pending}/${p.totals.openDeadLetters}`).join(" · "),
            shards.some((p) => p.totals.openDeadLetters > 0),
          ),
        ]
      : [];
    return h(
      "div",
      { className: `svc lane-${s}` },
      h("h3", { text: s }),
      h(
        "dl",
        null,
        h("dt", { text: "Backlog", title: "Outbox rows not yet published" }),
        dd(stats?.outbox.pending),
        h("dt", { text: "Oldest", title: "Age of the oldest unpublished outbox row" }),
        dd(age(stats?.outbox.oldestPendingAgeMs)),
        h("dt", {
          text: "Dead letters",
          title: `Open dead letters (${t?.deadLettered ?? 0} ever)`,
        }),
        dd(t?.openDeadLetters, (t?.openDeadLetters ?? 0) > 0),
        h("dt", {
          text: "Undeliverable",
          title: "Open dead letters of events a subscriber never acknowledged within retention",
        }),
        dd(t?.undeliverable, (t?.undeliverable ?? 0) > 0),
        h("dt", { text: "Duplicates", title: "Duplicate deliveries absorbed by the inbox" }),
        dd(t?.duplicatesAbsorbed),
        h("dt", { text: "Retries", title: "Deliveries retried after a failure" }),
        dd(t?.retries),
        ...perShard,
      ),
    );
  });
  byId("services", HTMLDivElement).replaceChildren(...cards);
}
