// Small helpers shared by the dashboard's views: element building, the control API with the
// session's CSRF token, and formatting.

export const $ = (id) => document.getElementById(id);

/** h("a", {href: "#/"}, "text", child…): an element with attributes and children (strings are text). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export const session = { csrf: null, onSignedOut: () => {} };

/** Calls the control API; writes carry the CSRF token. Throws with the server's message. */
export async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-Fazt-CSRF"] = session.csrf;
  const res = await fetch("/_fazt/api/v1" + path, { method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 401) { session.csrf = null; session.onSignedOut(); throw new Error("signed out"); }
  const answer = res.headers.get("Content-Type")?.includes("json") ? await res.json() : await res.text();
  if (!res.ok) throw new Error(answer?.error?.message || answer?.error || res.status + " " + res.statusText);
  return answer;
}

export const size = (n) => n < 1024 ? n + " B" : n < 1048576 ? (n / 1024).toFixed(1) + " KB"
  : n < 1073741824 ? (n / 1048576).toFixed(1) + " MB" : (n / 1073741824).toFixed(1) + " GB";
export const when = (ms) => ms ? new Date(ms).toLocaleString() : "—";
export function ago(seconds) {
  if (seconds === undefined || seconds === null) return "never";
  if (seconds < 120) return Math.round(seconds) + " s";
  if (seconds < 7200) return Math.round(seconds / 60) + " min";
  if (seconds < 172800) return Math.round(seconds / 3600) + " h";
  return Math.round(seconds / 86400) + " days";
}

/** A table from rows: columns is [[heading, (row) => cell, className?]…]. */
export function table(columns, rows, empty = "Nothing yet.") {
  if (!rows.length) return h("p", { class: "muted" }, empty);
  return h("div", { class: "scroll" }, h("table", {},
    h("thead", {}, h("tr", {}, columns.map(([title, , cls]) => h("th", { class: cls }, title)))),
    h("tbody", {}, rows.map((row) => h("tr", {}, columns.map(([, cell, cls]) => h("td", { class: cls }, cell(row))))))));
}

export function showError(error) { $("error").textContent = error ? String(error.message || error) : ""; }
