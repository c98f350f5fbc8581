/**
 * The audit surface's page: static HTML, one script and one stylesheet served from the same origin
 * (the CSP allows nothing else). Record fields are only ever set with `textContent`, never as HTML.
 */

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page shell; with `message`, a page that only says it (refusals, failed sign-in). */
export function pageHtml(base: string, message?: string): string {
  const body = message
    ? `<main><h1>Audit records</h1><p class="notice" id="message">${escape(message)}</p><form method="post" action="${escape(base)}/logout"><button type="submit">Sign out</button></form></main>`
    : `<header><h1>Audit records</h1><span id="who"></span><form method="post" action="${escape(base)}/logout"><button type="submit">Sign out</button></form></header>
<main>
<form id="filters">
  <label>User <input name="user"></label>
  <label>Client <input name="client"></label>
  <label>Agent <input name="agent"></label>
  <label>Tool <input name="tool"></label>
  <label>Scope <input name="scope"></label>
  <label>Server <input name="server"></label>
  <label>Tenant <input name="tenant"></label>
  <label>Sensitivity <select name="sensitivity"><option value="">any</option><option>routine</option><option>high</option><option>critical</option></select></label>
  <label>Decision <select name="decision"><option value="">any</option><option>allow</option><option>deny</option><option value="would-deny">would deny (observe)</option></select></label>
  <label>From <input name="from" type="datetime-local"></label>
  <label>To <input name="to" type="datetime-local"></label>
  <button type="submit" id="search">Search</button>
  <a id="export-csv" href="#">Export CSV</a>
  <a id="export-json" href="#">Export JSON</a>
</form>
<p id="summary" aria-live="polite"></p>
<table id="records"><thead><tr><th>Time</th><th>Server</th><th>Decision</th><th>Reason</th><th>User</th><th>Client</th><th>Tool</th><th>Sensitivity</th><th>Chain</th></tr></thead><tbody></tbody></table>
<nav><button id="prev" type="button">Newer</button><button id="next" type="button">Older</button></nav>
<section id="detail" hidden><h2>Record</h2><dl id="position"></dl><pre id="detail-json"></pre></section>
</main>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Audit records</title><link rel="stylesheet" href="${escape(base)}/app.css">${message ? "" : `<script src="${escape(base)}/app.js" defer></script>`}</head>
<body data-base="${escape(base)}">${body}</body></html>
`;
}

export const APP_CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1b1b1b}
header{display:flex;gap:1em;align-items:center;padding:.5em 1em;background:#f3f3f3;border-bottom:1px solid #ddd}
header h1{font-size:1.2em;margin:0;flex:1}main{padding:1em}
#filters{display:flex;flex-wrap:wrap;gap:.5em 1em;align-items:end;margin-bottom:1em}
#filters label{display:flex;flex-direction:column;font-size:.85em}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25em .5em;border-bottom:1px solid #eee;white-space:nowrap}
tbody tr{cursor:pointer}tbody tr:hover{background:#f7f7ff}tr.deny td.decision{color:#a00;font-weight:600}
tr.would td.decision{color:#a60}td.broken{color:#a00}.notice{padding:1em;background:#fff4e5;border:1px solid #f0c36d}
#detail{margin-top:1em;border-top:2px solid #ddd}#detail pre{background:#f7f7f7;padding:1em;overflow:auto}
`;

export const APP_JS = `"use strict";
(() => {
  const base = document.body.dataset.base || "";
  const form = document.getElementById("filters");
  const tbody = document.querySelector("#records tbody");
  const summary = document.getElementById("summary");
  const limit = 50;
  let offset = 0;

  function params() {
    const p = new URLSearchParams();
    for (const el of form.elements) {
      if (!el.name || !el.value) continue;
      p.set(el.name, el.type === "datetime-local" ? new Date(el.value).toISOString() : el.value.trim());
    }
    return p;
  }
  function exportLinks() {
    for (const format of ["csv", "json"]) {
      const p = params();
      p.set("format", format);
      document.getElementById("export-" + format).href = base + "/api/export?" + p.toString();
    }
  }
  function cell(tr, text, cls) {
    const td = document.createElement("td");
    td.textContent = text === undefined || text === null ? "" : String(text);
    if (cls) td.className = cls;
    tr.appendChild(td);
  }
  async function getJson(url) {
    const res = await fetch(url, { credentials: "same-origin" });
    if (res.status === 401) { location.href = base + "/login?return=" + encodeURIComponent(base + "/"); return undefined; }
    const body = await res.json();
    if (!res.ok) throw new Error(body.error_description || body.error || res.statusText);
    return body;
  }
  async function showDetail(r) {
    const d = await getJson(base + "/api/records/" + encodeURIComponent(r.chain) + "/" + r.seq);
    if (!d) return;
    const dl = document.getElementById("position");
    dl.replaceChildren();
    const add = (k, v) => { const dt = document.createElement("dt"); dt.textContent = k; const dd = document.createElement("dd"); dd.textContent = v; dl.append(dt, dd); };
    add("Chain", d.chain);
    add("Position", "record " + d.seq + " (" + d.verification.chainLength + " records of this chain on file)");
    add("Verification", d.verification.status + (d.verification.problems.length ? ": " + d.verification.problems.join(", ") : ""));
    document.getElementById("detail-json").textContent = JSON.stringify(d.raw, null, 2);
    document.getElementById("detail").hidden = false;
  }
  async function load() {
    exportLinks();
    const p = params();
    p.set("limit", String(limit));
    p.set("offset", String(offset));
    let page;
    try { page = await getJson(base + "/api/records?" + p.toString()); } catch (e) { summary.textContent = "Error: " + e.message; return; }
    if (!page) return;
    tbody.replaceChildren();
    for (const r of page.records) {
      const tr = document.createElement("tr");
      tr.className = r.decision + (r.would === "deny" ? " would" : "");
      cell(tr, r.ts); cell(tr, r.server);
      cell(tr, r.would === "deny" ? "allow (would deny)" : r.decision, "decision");
      cell(tr, r.reason); cell(tr, r.user); cell(tr, r.client); cell(tr, r.tool || r.method); cell(tr, r.sensitivity);
      cell(tr, r.verification.status + " #" + r.seq, r.verification.status === "broken" ? "broken" : "");
      tr.addEventListener("click", () => { showDetail(r).catch((e) => { summary.textContent = "Error: " + e.message; }); });
      tbody.appendChild(tr);
    }
    const last = Math.min(page.offset + page.records.length, page.total);
    summary.textContent = page.total === 0 ? "No matching records." : "Records " + (page.offset + 1) + "–" + last + " of " + page.total + ", newest first.";
    document.getElementById("prev").disabled = offset === 0;
    document.getElementById("next").disabled = last >= page.total;
  }
  form.addEventListener("submit", (e) => { e.preventDefault(); offset = 0; load(); });
  form.addEventListener("change", exportLinks);
  document.getElementById("prev").addEventListener("click", () => { offset = Math.max(0, offset - limit); load(); });
  document.getElementById("next").addEventListener("click", () => { offset += limit; load(); });
  getJson(base + "/api/me").then((me) => { if (me) document.getElementById("who").textContent = me.user + (me.tenant ? " · tenant " + me.tenant : ""); }).catch(() => {});
  load();
})();
`;
