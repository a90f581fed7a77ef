// The Zenoo sync page: orders, conflicts and failed jobs over the REST
// API, updated live over the WebSocket. No build step.
"use strict";

const state = { token: null, socket: null, refreshTimer: null, flash: new Set(), demo: false, details: new Map() };

// What people call each sync state.
const label = { pending: "waiting", synced: "synced", conflict: "conflict", failed: "failed" };

function takeKeyFromFragment() {
  const m = location.hash.match(/key=([^&]+)/);
  if (m) {
    sessionStorage.setItem("zenoo-token", decodeURIComponent(m[1]));
    history.replaceState(null, "", location.pathname);
  }
  return sessionStorage.getItem("zenoo-token");
}

async function api(method, path, body) {
  const init = { method, headers: { Authorization: "Bearer " + state.token } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  if (r.status === 401) {
    sessionStorage.removeItem("zenoo-token");
    showLogin("The key or token was refused.");
    throw new Error("unauthenticated");
  }
  const type = r.headers.get("content-type") || "";
  const data = type.includes("json") ? await r.json() : null;
  if (!r.ok) throw new Error((data && data.detail) || r.statusText);
  return data;
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c ?? ""));
  return e;
}

const short = (uuid) => uuid.slice(0, 8);

const money = (n) => n.toFixed(2);

// An order's lines as people read them, and its total.
function linesOf(detail) {
  if (!detail) return ["", ""];
  const lines = detail.lines.map((l) => `${l.quantity} × ${l.product_code} at ${money(l.price_unit)}`);
  const total = detail.lines.reduce((sum, l) => sum + l.quantity * l.price_unit, 0);
  return [lines.join("; "), `${detail.currency} ${money(total)}`];
}

async function loadOrders() {
  const orders = await api("GET", "/orders?limit=100");
  // Each order's lines (the list has the sync state only): read once, and
  // again only for an order an event named, so a busy sync does not turn
  // every refresh into a request per order.
  await Promise.all(orders
    .filter((o) => !state.details.has(o.uuid) || state.flash.has(o.uuid))
    .map(async (o) => {
      try { state.details.set(o.uuid, await api("GET", `/orders/${o.uuid}`)); } catch (_) { /* shown without lines */ }
    }));
  const details = orders.map((o) => state.details.get(o.uuid));
  const body = document.querySelector("#orders tbody");
  body.replaceChildren(...orders.map((o, i) => {
    const [lines, total] = linesOf(details[i]);
    const name = o.odoo_id == null ? "not in Odoo yet" : `Odoo #${o.odoo_id}`;
    const edit = state.demo && o.status === "synced"
      ? el("button", { type: "button", class: "odoo-edit", onclick: () => odooEdit(o.uuid) }, "Edit in Odoo")
      : "";
    const row = el("tr", { "data-order": o.uuid },
      el("td", {}, name, el("span", { class: "sub mono", title: o.uuid }, short(o.uuid))),
      el("td", {}, o.supplier_ref),
      el("td", { class: "lines" }, lines),
      el("td", { class: "num total" }, total),
      el("td", {}, el("span", { class: "badge status-" + o.status }, label[o.status] || o.status)),
      el("td", {}, o.odoo_state || "—"),
      el("td", { class: "error" }, o.last_error || ""),
      el("td", {}, edit));
    if (state.flash.has(o.uuid)) row.classList.add("flash");
    return row;
  }));
  state.flash.clear();
  document.getElementById("no-orders").hidden = orders.length > 0;
}

async function loadConflicts() {
  const conflicts = await api("GET", "/conflicts");
  const box = document.getElementById("conflicts");
  box.replaceChildren(...conflicts.map((c) => el("div", { class: "conflict", "data-order": c.order },
    el("div", {}, el("b", {}, c.part), " of order ", el("span", { class: "mono", title: c.order }, short(c.order)), " (" + c.supplier_ref + ")"),
    el("div", { class: "sides" },
      el("div", {}, el("div", {}, "Application"), el("pre", { class: "app-side" }, JSON.stringify(c.app, null, 2))),
      el("div", {}, el("div", {}, "Odoo"), el("pre", { class: "odoo-side" }, JSON.stringify(c.odoo, null, 2)))),
    el("button", { type: "button", class: "take-app", onclick: () => resolve(c.order, "app") }, "Keep the application's"),
    " ",
    el("button", { type: "button", class: "take-odoo", onclick: () => resolve(c.order, "odoo") }, "Keep Odoo's"))));
  document.getElementById("no-conflicts").hidden = conflicts.length > 0;
}

async function loadFailed() {
  const failed = await api("GET", "/jobs/failed");
  const body = document.querySelector("#failed tbody");
  body.replaceChildren(...failed.map((o) => el("tr", { "data-order": o.uuid },
    el("td", { class: "mono", title: o.uuid }, short(o.uuid)),
    el("td", {}, o.supplier_ref),
    el("td", { class: "error" }, o.last_error || ""),
    el("td", {}, el("button", { type: "button", class: "retry", onclick: () => retry(o.uuid) }, "Retry")))));
  document.getElementById("no-failed").hidden = failed.length > 0;
  document.getElementById("retry-all").disabled = failed.length === 0;
}

async function loadSummary() {
  const s = await api("GET", "/status");
  document.getElementById("summary").textContent =
    `${s.backlog} waiting · ${s.conflicts} in conflict · ${s.failed} failed`;
}

async function refresh() {
  try {
    await Promise.all([loadOrders(), loadConflicts(), loadFailed(), loadSummary()]);
    document.body.dataset.loaded = "1";
  } catch (e) {
    console.error(e);
  }
}

function refreshSoon() {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(refresh, 150);
}

async function resolve(order, take) {
  try { await api("POST", `/conflicts/${order}/resolve`, { take }); } catch (e) { alert(e.message); }
  refresh();
}

async function newOrder() {
  const quantity = 1 + Math.floor(Math.random() * 9);
  try {
    await api("POST", "/orders", { supplier_ref: "Alpenrose Dairy", currency: "EUR",
      lines: [{ product_code: "ZL-100", quantity, price_unit: 80, date_planned: null },
        { product_code: "ZL-200", quantity: 2, price_unit: 20, date_planned: null }] });
  } catch (e) { alert(e.message); }
  refresh();
}

async function odooEdit(order) {
  try { await api("POST", `/demo/orders/${order}/odoo-edit`); } catch (e) { alert(e.message); }
  refresh();
}

async function retry(order) {
  try { await api("POST", `/orders/${order}/sync`); } catch (e) { alert(e.message); }
  refresh();
}

function connect() {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${proto}//${location.host}/ws?access_token=${encodeURIComponent(state.token)}`);
  state.socket = ws;
  const live = document.getElementById("live");
  ws.onopen = () => { live.textContent = "live"; live.className = "badge on"; };
  ws.onmessage = (m) => {
    try { const e = JSON.parse(m.data); if (e.order) state.flash.add(e.order); } catch (_) {}
    refreshSoon();
  };
  ws.onclose = () => {
    live.textContent = "offline"; live.className = "badge off";
    if (state.token) setTimeout(connect, 2000);
  };
}

function showLogin(message) {
  state.token = null;
  document.getElementById("main").hidden = true;
  document.getElementById("login").hidden = false;
  document.getElementById("login-error").textContent = message || "";
}

async function start(token) {
  state.token = token;
  document.getElementById("login").hidden = true;
  document.getElementById("main").hidden = false;
  // The demo (`zenoo-server --sim`) has routes of its own.
  try { state.demo = (await api("GET", "/demo")).demo === true; } catch (_) { state.demo = false; }
  document.getElementById("story").hidden = !state.demo;
  refresh();
  connect();
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("login-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const key = document.getElementById("key").value.trim();
    if (key) { sessionStorage.setItem("zenoo-token", key); start(key); }
  });
  document.getElementById("new-order").addEventListener("click", newOrder);
  document.getElementById("retry-all").addEventListener("click", async () => {
    try { await api("POST", "/jobs/failed/retry"); } catch (e) { alert(e.message); }
    refresh();
  });
  const token = takeKeyFromFragment();
  if (token) start(token); else showLogin();
});
