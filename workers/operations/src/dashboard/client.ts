/**
 * The dashboard's script, plain browser JavaScript (no build step), inlined into the page.
 * It only calls the gateway's public API:
 * - `GET /products` (stock, every 3 s) and `POST /orders` with an Idempotency-Key (the form);
 * - with the admin token: `GET /admin/order/orders/recent` (every order, newest first) and
 *   `GET /admin/stats` (backlog, dead letters); without it, the orders placed from this tab
 *   (ids kept in sessionStorage) through `GET /orders/{id}`, and "token needed" for the counters;
 * - `GET /orders/{id}/trace` for each shown order's timeline while it is moving, falling back to
 *   `GET /orders/{id}/history` (the order service's view only) where the trace answers 404;
 * - an order rejected by the saga deadline is badged TIMED OUT, its timeline gets the deadline's
 *   row (after how long, who had not answered), and the list says how many of those shown timed out.
 * Everything from the API is put into the page as text, never as HTML.
 */
export const DASHBOARD_SCRIPT = `
"use strict";
(function () {
  var SERVICES = ["order", "inventory", "rewards"];
  var TERMINAL = { CONFIRMED: 1, REJECTED: 1, CANCELLED: 1 };
  var SHOWN = 10;
  // Events and deliveries keep arriving for a while after the status stops changing.
  var SETTLE_MS = 15000;
  var store = window.sessionStorage;
  var $ = function (id) { return document.getElementById(id); };

  function h(tag, props) {
    var el = document.createElement(tag);
    for (var key in props || {}) {
      if (key === "text") el.textContent = props[key];
      else if (key === "className") el.className = props[key];
      else el.setAttribute(key, props[key]);
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  var money = function (cents) { return "$" + (cents / 100).toFixed(2); };
  var clock = function (iso) {
    var d = new Date(iso);
    return isNaN(d) ? "" : d.toLocaleTimeString([], { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0");
  };
  var since = function (iso, origin) {
    var ms = Date.parse(iso) - origin;
    if (!isFinite(ms)) return "";
    return ms < 1000 ? "+" + Math.max(0, ms) + " ms" : "+" + (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + " s";
  };
  var age = function (ms) {
    if (ms === null || ms === undefined) return "—";
    return ms < 1000 ? ms + " ms" : ms < 60000 ? (ms / 1000).toFixed(1) + " s" : Math.round(ms / 60000) + " min";
  };

  // ---- admin token and this tab's orders (sessionStorage: gone when the tab is closed) ----
  var token = store.getItem("edge-saga.token") || "";
  var mine = JSON.parse(store.getItem("edge-saga.orders") || "[]");
  $("token").value = token;
  $("token-form").addEventListener("submit", function (e) {
    e.preventDefault();
    token = $("token").value.trim();
    if (token) store.setItem("edge-saga.token", token); else store.removeItem("edge-saga.token");
    tick();
  });
  $("token-forget").addEventListener("click", function () {
    token = "";
    $("token").value = "";
    store.removeItem("edge-saga.token");
    tick();
  });

  async function api(method, path, body, headers) {
    var init = { method: method, headers: Object.assign({ accept: "application/json" }, headers || {}) };
    if (body !== undefined) {
      init.headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    var res = await fetch(path, init);
    var data = null;
    try { data = await res.json(); } catch (_) { /* not JSON */ }
    return { status: res.status, ok: res.ok, body: data };
  }
  // A rejection by the saga deadline: nobody said no, somebody never answered.
  var timedOut = function (order) { return order.status === "REJECTED" && order.rejectionReason === "TIMED_OUT"; };
  var admin = function (path) { return api("GET", path, undefined, { authorization: "Bearer " + token }); };
  var errorText = function (answer) {
    var err = answer.body && answer.body.error;
    return err ? err.message || err.code : "answered " + answer.status;
  };

  // ---- product stock ----
  var products = [];
  var shownCatalogue = "";
  async function loadProducts() {
    var answer = await api("GET", "/products");
    if (!answer.ok) throw new Error("products: " + errorText(answer));
    products = answer.body.products;
    var rows = products.map(function (p) {
      var total = p.available + p.reserved + p.sold;
      var bar = h("span");
      bar.style.width = (total ? Math.round((100 * p.available) / total) : 0) + "%";
      return h("tr", null,
        h("td", null, p.name, h("small", { text: p.sku }), h("div", { className: "bar" }, bar)),
        h("td", { text: money(p.priceCents) }),
        h("td", { text: p.available }),
        h("td", { text: p.reserved }),
        h("td", { text: p.sold }));
    });
    $("stock-rows").replaceChildren.apply($("stock-rows"), rows.length ? rows : [h("tr", null, h("td", { colspan: 5, className: "empty", text: "No products yet." }))]);
    // The choices change only when the catalogue does: an open picker is not pulled away.
    var catalogue = JSON.stringify(products.map(function (p) { return [p.sku, p.name, p.priceCents]; }));
    if (catalogue === shownCatalogue) return;
    shownCatalogue = catalogue;
    var select = $("sku");
    var chosen = select.value;
    var options = products.map(function (p) {
      return h("option", { value: p.sku, text: p.name + " (" + money(p.priceCents) + ")" });
    });
    select.replaceChildren.apply(select, options.length ? options : [h("option", { value: "", text: "no products" })]);
    if (chosen && products.some(function (p) { return p.sku === chosen; })) select.value = chosen;
  }

  // ---- placing an order ----
  $("customer").value = store.getItem("edge-saga.customer") || "alice";
  var attempt = null; // { key, body } of a send that got no answer: resent with the same key
  $("order-form").addEventListener("submit", async function (e) {
    e.preventDefault();
    var body = {
      customerId: $("customer").value.trim(),
      items: [{ sku: $("sku").value, quantity: Number($("quantity").value) }],
      pointsToRedeem: Number($("points").value) || 0,
    };
    var text = JSON.stringify(body);
    if (!attempt || attempt.body !== text) attempt = { key: "dash-" + crypto.randomUUID(), body: text };
    store.setItem("edge-saga.customer", body.customerId);
    var msg = $("place-msg");
    $("place-button").disabled = true;
    msg.className = "msg";
    msg.textContent = "Placing…";
    try {
      var answer = await api("POST", "/orders", body, { "idempotency-key": attempt.key });
      attempt = null;
      if (answer.status === 202) {
        var order = answer.body;
        if (mine.indexOf(order.id) < 0) mine.unshift(order.id);
        mine = mine.slice(0, 50);
        store.setItem("edge-saga.orders", JSON.stringify(mine));
        msg.textContent = "Order for " + order.customerId + " placed (" + money(order.totalCents) + "): " + order.status;
        tick();
      } else {
        msg.className = "msg error";
        msg.textContent = errorText(answer);
      }
    } catch (err) {
      msg.className = "msg error";
      msg.textContent = "No answer (" + err.message + "): press again to retry safely.";
    } finally {
      $("place-button").disabled = false;
    }
  });

  // ---- outbox backlog and dead letters ----
  async function loadStats() {
    var note = $("health-note");
    var figures = {};
    if (!token) {
      note.textContent = "Enter the admin token to see the counters.";
    } else {
      var answer = await admin("/admin/stats");
      if (answer.status === 404) {
        // Older gateway without the aggregate: each service's own kit route.
        var parts = await Promise.all(SERVICES.map(function (s) { return admin("/admin/" + s + "/stats"); }));
        answer = { status: parts[0].status, ok: parts.every(function (p) { return p.ok; }), body: { services: {} } };
        SERVICES.forEach(function (s, i) { answer.body.services[s] = parts[i].ok ? parts[i].body : { error: parts[i].body && parts[i].body.error }; });
      }
      if (answer.status === 401 || answer.status === 403) {
        note.textContent = "The admin token was refused (" + errorText(answer) + ").";
      } else {
        note.textContent = answer.ok ? "" : "Some services did not answer: " + errorText(answer);
        figures = (answer.body && answer.body.services) || {};
      }
    }
    var cards = SERVICES.map(function (s) {
      var f = figures[s];
      var ok = f && f.outbox;
      var dd = function (value, bad) {
        if (!token) return h("dd", { className: "na", text: "token needed" });
        if (!ok) return h("dd", { className: "na", text: "—" });
        return h("dd", { className: bad ? "bad" : "", text: value });
      };
      var t = ok ? f.totals || {} : {};
      return h("div", { className: "svc lane-" + s },
        h("h3", { text: s }),
        h("dl", null,
          h("dt", { text: "Backlog", title: "Outbox rows not yet published" }), dd(ok && f.outbox.pending),
          h("dt", { text: "Oldest", title: "Age of the oldest unpublished outbox row" }), dd(ok && age(f.outbox.oldestPendingAgeMs)),
          h("dt", { text: "Dead letters", title: "Open dead letters (" + (t.deadLettered || 0) + " ever)" }), dd(ok && t.openDeadLetters, ok && t.openDeadLetters > 0),
          h("dt", { text: "Duplicates", title: "Duplicate deliveries absorbed by the inbox" }), dd(ok && t.duplicatesAbsorbed),
          h("dt", { text: "Retries", title: "Deliveries retried after a failure" }), dd(ok && t.retries)));
    });
    $("services").replaceChildren.apply($("services"), cards);
  }

  // ---- recent orders and their sagas ----
  var details = new Map(); // order id -> { updatedAt, fetchedAt, trace?, history? }
  var cards = new Map(); // order id -> { sig, el }

  async function loadOrders() {
    var list = [];
    var note = "";
    if (token) {
      var answer = await admin("/admin/order/orders/recent?limit=" + SHOWN);
      if (answer.ok) list = answer.body.orders;
      else note = "Recent orders need a valid admin token (" + errorText(answer) + "); showing this page's orders.";
    } else {
      note = "Showing the orders placed from this page; enter the admin token to see everyone's.";
    }
    if (!list.length && mine.length) {
      var known = [];
      await Promise.all(mine.slice(0, SHOWN).map(async function (id) {
        var cached = details.get(id);
        if (cached && cached.order && TERMINAL[cached.order.status] && Date.now() - Date.parse(cached.order.updatedAt) > SETTLE_MS) {
          known.push(cached.order);
          return;
        }
        var a = await api("GET", "/orders/" + encodeURIComponent(id));
        if (a.ok) known.push(a.body);
      }));
      list = known.sort(function (a, b) { return a.id < b.id ? 1 : -1; });
    }
    var late = list.filter(timedOut).length;
    if (late) note = (note ? note + " " : "") + late + " of the " + list.length + " shown timed out: a participant did not answer within the saga deadline.";
    $("orders-note").textContent = note;
    await Promise.all(list.map(loadSaga));
    render(list);
  }

  async function loadSaga(order) {
    var d = details.get(order.id) || {};
    var moving = !TERMINAL[order.status] || Date.now() - Date.parse(order.updatedAt) < SETTLE_MS;
    d.order = order;
    details.set(order.id, d);
    if (d.fetchedAt && d.updatedAt === order.updatedAt && !moving) return;
    var id = encodeURIComponent(order.id);
    var trace = await api("GET", "/orders/" + id + "/trace");
    if (trace.ok) {
      d.trace = trace.body;
      d.history = null;
    } else if (trace.status === 404) {
      var history = await api("GET", "/orders/" + id + "/history");
      if (history.ok) d.history = history.body;
    }
    d.updatedAt = order.updatedAt;
    d.fetchedAt = Date.now();
  }

  function render(list) {
    var box = $("order-list");
    if (!list.length) {
      box.replaceChildren(h("p", { className: "empty", text: "No orders yet: place one." }));
      cards.clear();
      return;
    }
    var els = list.map(function (order) {
      var d = details.get(order.id) || {};
      var sig = JSON.stringify([order, d.trace, d.history]);
      var card = cards.get(order.id);
      if (!card || card.sig !== sig) {
        card = { sig: sig, el: orderCard(order, d) };
        cards.set(order.id, card);
      }
      return card.el;
    });
    var shown = new Set(list.map(function (o) { return o.id; }));
    cards.forEach(function (_, id) { if (!shown.has(id)) cards.delete(id); });
    box.replaceChildren.apply(box, els);
  }

  function orderCard(order, d) {
    return h("article", { className: "order", "aria-label": "Order " + order.id },
      h("header", null,
        timedOut(order)
          ? h("span", { className: "badge s-TIMED_OUT", text: "TIMED OUT", title: "REJECTED TIMED_OUT: no decision within the saga deadline" })
          : h("span", { className: "badge s-" + order.status, text: order.status }),
        h("span", { className: "who", text: order.customerId }),
        h("span", { className: "meta", text: money(order.totalCents) + (order.pointsRedeemed ? " · " + order.pointsRedeemed + " pts" : "") + (order.rejectionReason && !timedOut(order) ? " · " + order.rejectionReason : "") }),
        h("span", { className: "meta", title: order.id, text: clock(order.createdAt) + " · …" + order.id.slice(-6) })),
      timeline(order, d));
  }

  function laneCells(cells) {
    return SERVICES.map(function (s) {
      var c = cells[s];
      var el = h.apply(null, ["div", { className: "cell lane lane-" + s + (c ? " " + c.className : "") }].concat(c ? breakable(c.text) : []));
      if (c && c.title) el.title = c.title;
      return el;
    });
  }

  // "PointsReservationFailed" may wrap between its words on a phone, not inside them.
  function breakable(text) {
    var out = [];
    String(text).split(/(?=[A-Z][a-z])/).forEach(function (part, i) {
      if (i) out.push(h("wbr"));
      out.push(part);
    });
    return out;
  }

  /** One row of the timeline: its time, then what each service did. */
  function step(title, time, cells) {
    return h.apply(null, ["li", null, h("div", { className: "cell t", title: title, text: time })].concat(laneCells(cells)));
  }

  function timeline(order, d) {
    var origin = Date.parse(order.createdAt);
    var rows = [];
    if (d.trace && d.trace.events) {
      var deadline = d.trace.timedOut;
      var deadlineRow = function () {
        var waiting = deadline.waitingFor || [];
        var text = "⏱ deadline: timed out after " + deadline.afterSeconds + " s" + (waiting.length ? ", no answer from " + waiting.join(" and ") : "");
        rows.push(step(clock(deadline.at), since(deadline.at, origin), { order: { className: "deadline", text: text, title: "The order service rejected the order TIMED_OUT at " + clock(deadline.at) + "; a later answer only gets its hold released." } }));
        deadline = null;
      };
      d.trace.events.forEach(function (ev) {
        // The deadline is what caused the order's TIMED_OUT rejection: its row comes just before.
        if (deadline && ev.producer === "order" && ev.type === "OrderRejected") deadlineRow();
        var cells = {};
        cells[ev.producer] = { className: "ev", text: ev.type, title: ev.type + " committed " + clock(ev.committedAt) + (ev.publishedAt ? ", published " + clock(ev.publishedAt) : ", not published yet") };
        (ev.deliveries || []).forEach(function (del) {
          var parts = [];
          var cls = "got";
          if (del.appliedAt) parts.push("✓ " + since(del.appliedAt, Date.parse(ev.committedAt)).slice(1));
          else if (!del.deadLetter) parts.push("…");
          if (del.attempts > 1) parts.push("↻" + (del.attempts - 1));
          if (del.duplicatesDropped) { parts.push("dup ×" + del.duplicatesDropped); cls += " dup"; }
          if (del.deadLetter) { parts.push("✕ dead letter"); cls += " dead"; }
          cells[del.service] = { className: cls, text: parts.join(" "), title: del.service + (del.appliedAt ? " applied " + clock(del.appliedAt) : " has not applied it") + (del.duplicatesDropped ? "; dropped " + del.duplicatesDropped + " duplicate(s), last " + clock(del.lastDuplicateAt) : "") };
        });
        rows.push(step(clock(ev.committedAt), since(ev.committedAt, origin), cells));
      });
      if (deadline) deadlineRow();
    } else if (d.history && d.history.transitions) {
      // No trace from this gateway: the order service's own steps, put in the lane they came from.
      d.history.transitions.forEach(function (t) {
        var lane = /^Stock/.test(t.change) ? "inventory" : /^Points/.test(t.change) ? "rewards" : "order";
        var cells = {};
        cells[lane] = t.change === "SagaDeadline"
          ? { className: "deadline", text: "⏱ deadline → " + t.toStatus + " (TIMED_OUT)", title: clock(t.at) }
          : { className: "ev", text: t.change + " → " + t.toStatus, title: clock(t.at) };
        rows.push(step(clock(t.at), since(t.at, origin), cells));
      });
    }
    if (!rows.length) rows.push(step("", "", { order: { className: "got", text: "waiting for events…" } }));
    var head = h.apply(null, ["li", { className: "lanes", "aria-hidden": "true" }, h("div", { className: "cell t", text: "" })].concat(SERVICES.map(function (s) { return h("div", { className: "cell lane-" + s, text: s }); })));
    return h.apply(null, ["ol", { className: "timeline", "aria-label": "Saga timeline of " + order.customerId + "'s order: " + order.status }, head].concat(rows));
  }

  // ---- the loop: every second while the tab is visible ----
  var ticks = 0;
  var running = null;
  var timer = null;
  function tick() {
    if (running) return running;
    clearTimeout(timer);
    var n = ticks++;
    var jobs = [loadOrders(), loadStats()];
    if (n % 3 === 0) jobs.push(loadProducts());
    running = Promise.allSettled(jobs).then(function (results) {
      var failed = results.filter(function (r) { return r.status === "rejected"; });
      var live = $("live");
      live.className = failed.length ? "live down" : "live";
      live.textContent = failed.length ? "retrying: " + failed[0].reason.message : "live · " + new Date().toLocaleTimeString([], { hour12: false });
      running = null;
      if (!document.hidden) timer = setTimeout(tick, 1000);
    });
    return running;
  }
  document.addEventListener("visibilitychange", function () { if (!document.hidden) tick(); });
  tick();
})();
`;
