/** Where the page loads its script from (route.ts serves it; the gateway forwards the path). */
export const DASHBOARD_SCRIPT_PATH = "/dashboard.js";

/** Small on purpose: system fonts, one accent, light and dark, one column below 760 px. */
const STYLE = `
:root{--bg:#f6f7f9;--card:#fff;--ink:#1c2230;--muted:#667085;--line:#e4e7ec;--accent:#4f46e5;
--ok:#067647;--ok-bg:#dcfae6;--warn:#b54708;--warn-bg:#fef0c7;--bad:#b42318;--bad-bg:#fee4e2;
--off:#475467;--off-bg:#eaecf0;--order:#4f46e5;--inventory:#0e9384;--rewards:#c4320a;--payment:#9e165f;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#0f1218;--card:#171b24;--ink:#e6e9ef;--muted:#98a2b3;
--line:#2a303c;--ok-bg:#053321;--ok:#75e0a7;--warn-bg:#4e1d09;--warn:#fec84b;--bad-bg:#55160c;
--bad:#fda29b;--off-bg:#2a303c;--off:#cfd4dc;--order:#8098f9;--inventory:#2ed3b7;--rewards:#f38744;--payment:#f670c7}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
header.top{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;
padding:.9rem 1.25rem;background:var(--card);border-bottom:1px solid var(--line)}
h1{font-size:1.15rem;margin:0}h1 small{font-weight:400;color:var(--muted);margin-left:.4rem}
h2{font-size:.8rem;letter-spacing:.06em;text-transform:uppercase;color:var(--muted);margin:0 0 .6rem}
main{display:grid;gap:1rem;padding:1rem;max-width:1200px;margin:0 auto;grid-template-columns:minmax(0,340px) minmax(0,1fr);
grid-template-rows:auto auto 1fr auto;grid-template-areas:"place health" "place orders" "stock orders" "dead dead";align-items:start}
#place{grid-area:place}#stock{grid-area:stock}#health{grid-area:health}#orders{grid-area:orders}#dead{grid-area:dead}
#dead form{grid-template-columns:repeat(3,minmax(0,1fr)) auto;align-items:end}#dead-msg,#dead-confirm{grid-column:1/-1}
#dead-confirm{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}#dead-confirm ul{flex-basis:100%;margin:0;font-size:.8rem}
#dead h3{font-size:.8rem;color:var(--muted);margin:.8rem 0 .3rem}
section.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1rem}
.live{display:inline-flex;align-items:center;gap:.4rem;color:var(--muted);font-size:.85rem}
.live::before{content:"";width:.55rem;height:.55rem;border-radius:50%;background:var(--ok)}
.live.down::before{background:var(--bad)}
form{display:grid;gap:.6rem}.field{display:grid;gap:.2rem}label{font-size:.8rem;color:var(--muted)}
.row{display:grid;grid-template-columns:1fr 1fr;gap:.6rem}
input,select,button{font:inherit;color:inherit;padding:.5rem .6rem;border:1px solid var(--line);border-radius:8px;
background:var(--bg);min-width:0;width:100%}
button{background:var(--accent);border-color:var(--accent);color:#fff;font-weight:600;cursor:pointer}
button.quiet{background:transparent;color:var(--ink);border-color:var(--line);font-weight:400;width:auto}
button:disabled{opacity:.6;cursor:progress}
#token-form,#signin-form{display:flex;gap:.4rem;align-items:center}#token-form input,#signin-form input{width:12rem;min-width:0}
.who-note{font-size:.85rem;margin:0;color:var(--muted)}.who-note strong{color:var(--ink)}

.note{color:var(--muted);font-size:.8rem;margin:.4rem 0 0}.note:empty{display:none}
.msg{font-size:.85rem;margin:0;min-height:1.2em}.msg.error{color:var(--bad)}
.services{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:.6rem}
.svc{border:1px solid var(--line);border-radius:10px;padding:.6rem .7rem;border-top:3px solid var(--lane)}
.svc h3{margin:0 0 .3rem;font-size:.85rem;text-transform:capitalize}
.svc dl{margin:0;display:grid;grid-template-columns:1fr auto;gap:.1rem .5rem;font-size:.8rem}
.svc dt{color:var(--muted)}.svc dd{margin:0;text-align:right;font-variant-numeric:tabular-nums;font-weight:600}
.svc dd.na{font-weight:400;color:var(--muted);font-style:italic}.svc dd.bad{color:var(--bad)}
.lane-order{--lane:var(--order)}.lane-inventory{--lane:var(--inventory)}.lane-rewards{--lane:var(--rewards)}.lane-payment{--lane:var(--payment)}
table{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:.85rem}
th,td{text-align:right;padding:.35rem .25rem;border-bottom:1px solid var(--line)}td:first-child{overflow-wrap:anywhere}
th{font-size:.75rem;color:var(--muted);font-weight:500}th:first-child,td:first-child{text-align:left}
td small{display:block;color:var(--muted);font-size:.75rem}
.stock-scroll{max-height:26rem;overflow:auto}
.bar{height:4px;border-radius:2px;background:var(--off-bg);margin-top:.2rem}.bar span{display:block;height:4px;border-radius:2px;background:var(--inventory)}
#order-list{display:grid;gap:.75rem}
article.order{border:1px solid var(--line);border-radius:10px;padding:.6rem .7rem}
article.order>header{display:flex;flex-wrap:wrap;gap:.3rem .6rem;align-items:baseline;margin-bottom:.5rem}
article.order .who{font-weight:600}article.order .meta{color:var(--muted);font-size:.8rem;font-variant-numeric:tabular-nums}
.badge{font-size:.7rem;font-weight:700;letter-spacing:.04em;padding:.1rem .45rem;border-radius:99px}
.s-PENDING{background:var(--warn-bg);color:var(--warn)}.s-CONFIRMED{background:var(--ok-bg);color:var(--ok)}
.s-REJECTED{background:var(--bad-bg);color:var(--bad)}.s-CANCELLED{background:var(--off-bg);color:var(--off)}
.s-TIMED_OUT{background:var(--warn-bg);color:var(--bad);outline:1px dashed var(--bad)}
.timeline{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:4.2rem repeat(4,minmax(0,1fr));font-size:.75rem}
.timeline li{display:contents}
.timeline .cell{padding:.15rem .3rem .15rem .75rem;position:relative;min-height:1.5rem;overflow-wrap:break-word}
.timeline .cell.lane::before{content:"";position:absolute;left:.3rem;top:0;bottom:0;border-left:2px solid var(--lane);opacity:.25}
.timeline .t{color:var(--muted);text-align:right;padding-left:0;padding-right:.45rem;font-variant-numeric:tabular-nums;white-space:nowrap}
.timeline .lanes .cell{font-weight:600;text-transform:capitalize;color:var(--lane);padding-bottom:.3rem}
.timeline .ev{font-weight:600;color:var(--ink)}
.timeline .ev::after{content:"";position:absolute;left:.05rem;top:.45rem;width:.6rem;height:.6rem;border-radius:50%;background:var(--lane)}
.timeline .deadline{color:var(--bad);font-weight:600;font-style:italic}
.timeline .got{color:var(--muted)}.timeline .got.dup{color:var(--warn)}.timeline .got.dead{color:var(--bad);font-weight:600}
.timeline .psp{color:var(--ink);font-variant-numeric:tabular-nums}.timeline .psp.retried{color:var(--warn)}
.timeline .psp.pending{color:var(--bad);font-style:italic}
.timeline .psp::after{content:"";position:absolute;left:.1rem;top:.5rem;width:.5rem;height:.5rem;border-radius:2px;background:var(--lane)}
.pay{background:var(--off-bg);color:var(--off)}.p-CAPTURED{background:var(--ok-bg);color:var(--ok)}
.p-DECLINED{background:var(--bad-bg);color:var(--bad)}.p-PENDING,.p-AUTHORIZED{background:var(--warn-bg);color:var(--warn)}
.timeline .got::after{content:"";position:absolute;left:.15rem;top:.55rem;width:.4rem;height:.4rem;border-radius:50%;border:1.5px solid var(--lane);background:var(--card)}
.empty{color:var(--muted);font-size:.85rem}
@media (max-width:760px){main{grid-template-columns:minmax(0,1fr);grid-template-rows:none;
grid-template-areas:"health" "place" "orders" "stock" "dead";padding:.6rem;gap:.6rem}#dead form{grid-template-columns:minmax(0,1fr)}header.top{padding:.7rem .8rem}
#token-form,#signin-form{width:100%}#token-form input,#signin-form input{flex:1;width:auto}.services{gap:.4rem}.svc{padding:.45rem}.svc dl{font-size:.72rem}
section.card{padding:.75rem}article.order{padding:.5rem .4rem}.timeline{grid-template-columns:3.3rem repeat(4,minmax(0,1fr));font-size:.7rem}
.services{grid-template-columns:repeat(2,minmax(0,1fr))}}
`;

/** The dashboard's HTML: the frame is rendered here, the figures by the script as they arrive. */
export function renderDashboard(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>edge-saga dashboard</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<header class="top">
  <h1>edge-saga<small>live sagas</small></h1>
  <span class="live" id="live" role="status">connecting…</span>
  <form id="signin-form" autocomplete="off" title="Customers sign in at the local dev issuer (npm run dev)">
    <label for="signin-customer">Customer id</label>
    <input id="signin-customer" required pattern="[A-Za-z0-9._\\-]{1,64}" maxlength="64" placeholder="alice">
    <button class="quiet" type="submit" id="signin-button">Sign in</button>
    <button class="quiet" type="button" id="signin-out">Sign out</button>
  </form>
  <form id="token-form" autocomplete="off">
    <label for="token">Admin token</label>
    <input id="token" type="password" placeholder="not set" autocomplete="off">
    <button class="quiet" type="submit">Save</button>
    <button class="quiet" type="button" id="token-forget">Forget</button>
  </form>
</header>
<main>
  <section class="card" id="place" aria-labelledby="place-title">
    <h2 id="place-title">Place an order</h2>
    <p class="who-note" id="signed-in" role="status">Sign in as a customer to order.</p>
    <form id="order-form">
      <div class="field"><label for="sku">Product</label><select id="sku" name="sku" required><option value="">loading…</option></select></div>
      <div class="row">
        <div class="field"><label for="quantity">Quantity</label><input id="quantity" name="quantity" type="number" min="1" max="1000" value="1" required></div>
        <div class="field"><label for="points">Points to redeem</label><input id="points" name="points" type="number" min="0" value="0" required></div>
      </div>
      <button type="submit" id="place-button">Place order</button>
      <p class="msg" id="place-msg" role="status"></p>
    </form>
  </section>
  <section class="card" id="health" aria-labelledby="health-title">
    <h2 id="health-title">Outbox backlog and dead letters</h2>
    <div class="services" id="services"></div>
    <p class="note" id="health-note"></p>
  </section>
  <section class="card" id="orders" aria-labelledby="orders-title">
    <h2 id="orders-title">Recent orders</h2>
    <div id="order-list"><p class="empty">No orders yet.</p></div>
    <p class="note" id="orders-note"></p>
  </section>
  <section class="card" id="stock" aria-labelledby="stock-title">
    <h2 id="stock-title">Product stock</h2>
    <div class="stock-scroll">
      <table>
        <thead><tr><th scope="col">Product</th><th scope="col">Price</th><th scope="col" title="Available">Avail.</th><th scope="col" title="Reserved for pending orders">Held</th><th scope="col">Sold</th></tr></thead>
        <tbody id="stock-rows"><tr><td colspan="5" class="empty">loading…</td></tr></tbody>
      </table>
    </div>
  </section>
  <section class="card" id="dead" aria-labelledby="dead-title">
    <h2 id="dead-title">Dead letters</h2>
    <p class="note" id="dead-note"></p>
    <div id="dead-admin" hidden>
      <table><thead><tr><th scope="col">Service</th><th scope="col">Event</th><th scope="col">Reason</th><th scope="col">Received</th></tr></thead>
        <tbody id="dead-rows"></tbody></table>
      <h3>Replay or discard by filter</h3>
      <form id="dead-form" autocomplete="off">
        <div class="field"><label for="dead-service">Service</label><select id="dead-service"></select></div>
        <div class="field"><label for="dead-type">Event type</label><input id="dead-type" maxlength="128" placeholder="OrderPlaced"></div>
        <div class="field"><label for="dead-reason">Reason contains</label><input id="dead-reason" maxlength="200" placeholder="handler failed"></div>
        <button type="submit" id="dead-dry">Dry run</button>
        <p class="msg" id="dead-msg" role="status"></p>
        <div id="dead-confirm"></div>
      </form>
      <h3>Audit</h3>
      <table><thead><tr><th scope="col">When</th><th scope="col">Service</th><th scope="col">Action</th><th scope="col">Count</th><th scope="col">Who</th><th scope="col">Filter</th></tr></thead>
        <tbody id="audit-rows"></tbody></table>
    </div>
  </section>
</main>
<script src="${DASHBOARD_SCRIPT_PATH}"></script>
</body>
</html>`;
}
