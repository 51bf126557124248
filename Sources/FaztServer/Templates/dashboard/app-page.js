// One app: versions (roll back), live logs, run history, storage (KV and a read-only SQL console), env.
import { $, api, h, showError, size, table, when } from "./ui.js";

const tabs = [["versions", "Versions"], ["logs", "Logs"], ["runs", "Runs"], ["storage", "Storage"], ["env", "Env"]];

export async function appView(view, name, tab) {
  const app = await api("GET", "/apps/" + encodeURIComponent(name));
  $("summary").textContent = name;
  const base = "#/app/" + encodeURIComponent(name) + "/";
  const body = h("div", { id: "tab" });
  view.append(
    h("h1", {}, name, " ", h("a", { href: app.url, target: "_blank", rel: "noopener", class: "muted" }, "open ↗")),
    h("p", { class: "muted" }, "v" + app.version + " live · " + app.files + " files · " + size(app.bytes)
      + " · storage " + size(app.storage?.bytes ?? 0)),
    h("nav", { class: "tabs" }, tabs.map(([id, title]) =>
      h("a", { href: base + id, "aria-current": id === tab ? "page" : undefined }, title))),
    body);
  const path = "/apps/" + encodeURIComponent(name);
  switch (tab) {
    case "logs": return logs(body, path);
    case "runs": return runs(body, path);
    case "storage": return storage(body, path);
    case "env": return env(body, path);
    default: return versions(body, path, name);
  }
}

async function versions(body, path, name) {
  const list = await api("GET", path + "/versions");
  body.append(table([
    ["Version", (v) => "v" + v.version + (v.live ? " (live)" : "")],
    ["Made", (v) => when(v.createdAt)],
    ["How", (v) => v.source + (v.message ? ": " + v.message : ""), "wide"],
    ["Files", (v) => String(v.files), "wide"],
    ["", (v) => v.live ? "" : h("button", { class: "secondary", "data-version": v.version, onclick: async () => {
      if (!confirm(`Serve v${v.version} of ${name} again? Data stays as it is now.`)) return;
      try { await api("POST", path + "/rollback", { version: v.version }); location.reload(); } catch (e) { showError(e); }
    } }, "Roll back to this")],
    ["", (v) => v.live || v.journalSeq === undefined || v.journalSeq === null ? "" : h("button", { class: "danger", "data-restore": v.version, onclick: async () => {
      if (!confirm(`Restore ${name} to v${v.version}: its code AND its data as they were when v${v.version} went live?\n\n`
        + "Every data change since then is undone (the restore itself can be undone: an undo point is kept).")) return;
      try {
        const done = await api("POST", path + "/restore", { version: v.version, code: true, data: true });
        showError(null);
        body.prepend(h("p", { id: "restored", role: "status" }, `Restored v${done.version}: ${done.changes} data changes undone (undo point ${done.undo?.seq ?? "—"}).`));
      } catch (e) { showError(e); }
    } }, "Restore code + data")],
  ], list.versions, "No versions."));
  return null;
}

async function logs(body, path) {
  const filter = h("input", { id: "log-filter", placeholder: "Filter text", "aria-label": "Filter logs" });
  const level = h("select", { id: "log-level", "aria-label": "Level" },
    ["all", "debug", "info", "warn", "error"].map((l) => h("option", { value: l }, l)));
  const out = h("div", { class: "log", id: "log", role: "log", "aria-live": "polite" });
  body.append(h("form", { onsubmit: (e) => e.preventDefault() }, filter, level), out);
  const lines = [];
  const render = () => {
    const text = filter.value.toLowerCase();
    out.replaceChildren(...lines.filter((l) => (level.value === "all" || l.level === level.value)
      && (!text || l.message.toLowerCase().includes(text)))
      .map((l) => h("div", { class: l.level }, new Date(l.at).toLocaleTimeString() + " " + l.level + " " + l.message)));
    out.scrollTop = out.scrollHeight;
  };
  filter.addEventListener("input", render); level.addEventListener("change", render);
  const recent = await api("GET", path + "/logs?limit=200");
  lines.push(...recent.logs); render();
  const after = recent.logs.length ? recent.logs[recent.logs.length - 1].id : 0;
  const source = new EventSource("/_fazt/api/v1" + path + "/logs?follow=1&after=" + after);
  source.addEventListener("log", (event) => { lines.push(JSON.parse(event.data)); if (lines.length > 2000) lines.shift(); render(); });
  return () => source.close();
}

async function runs(body, path) {
  const kind = h("select", { id: "run-kind", "aria-label": "Kind" },
    ["all", "http", "job", "cron", "event", "socket", "ai", "notify"].map((k) => h("option", { value: k }, k)));
  const list = h("div");
  const load = async () => {
    const answer = await api("GET", path + "/runs?limit=100" + (kind.value === "all" ? "" : "&kind=" + kind.value));
    list.replaceChildren(table([
      ["When", (r) => when(r.startedAt)],
      ["Kind", (r) => r.kind],
      ["Handler", (r) => r.name || r.handler, "wide"],
      ["Outcome", (r) => r.outcome + (r.error ? ": " + r.error : "")],
      ["ms", (r) => String(r.durationMs), "wide"],
    ], answer.runs, "No runs yet."));
  };
  kind.addEventListener("change", () => load().catch(showError));
  body.append(h("form", { onsubmit: (e) => e.preventDefault() }, kind), list);
  await load();
  return null;
}

async function storage(body, path) {
  const kv = await api("GET", path + "/kv?limit=100");
  const sql = h("textarea", { id: "sql", "aria-label": "SQL", spellcheck: "false" }, "SELECT name FROM sqlite_master WHERE type = 'table'");
  const result = h("div", { id: "sql-result" });
  const run = async () => {
    const answer = await api("POST", path + "/sql", { sql: sql.value });
    result.replaceChildren(table(answer.columns.map((c) => [c, (row) => JSON.stringify(row[c])]), answer.rows, "No rows."));
  };
  body.append(
    h("h2", {}, "Keys"),
    table([["Key", (k) => k.key, "mono"], ["Value", (k) => JSON.stringify(k.value).slice(0, 200), "mono"],
      ["Size", (k) => size(k.size), "wide"]], kv.keys, "No keys."),
    h("h2", {}, "SQL (read-only)"), sql,
    h("p", {}, h("button", { id: "sql-run", onclick: () => run().catch(showError) }, "Run")), result);
  return null;
}

async function env(body, path) {
  const answer = await api("GET", path + "/env");
  const secrets = await api("GET", path + "/secrets");
  body.append(
    h("h2", {}, "Environment"),
    table([["Key", (e) => e[0], "mono"], ["Value", (e) => e[1], "mono"]], Object.entries(answer.env), "No env values."),
    h("h2", {}, "Secrets (values are never shown)"),
    table([["Name", (s) => s.name, "mono"], ["Updated", (s) => when(s.updatedAt)]], secrets.secrets, "No secrets."));
  return null;
}
