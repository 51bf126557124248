// One app: versions (roll back), live logs, run history, storage (KV and a read-only SQL console), env.
import { $, api, h, session, showError, size, table, when } from "./ui.js";

const tabs = [["versions", "Versions"], ["files", "Files"], ["logs", "Logs"], ["runs", "Runs"], ["jobs", "Jobs"], ["storage", "Storage"],
  ["env", "Env"], ["ai", "AI"]];

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
    case "jobs": return jobs(body, path);
    case "files": return files(body, path, name);
    case "ai": return ai(body, path, name);
    default: return versions(body, path, name);
  }
}

async function versions(body, path, name) {
  const list = await api("GET", path + "/versions");
  const numbers = list.versions.map((v) => v.version);
  const from = h("select", { id: "diff-from", "aria-label": "From version" }, numbers.map((n) => h("option", { value: n }, "v" + n)));
  const to = h("select", { id: "diff-to", "aria-label": "To version" }, numbers.map((n) => h("option", { value: n }, "v" + n)));
  if (numbers.length > 1) from.value = numbers[1];
  const diff = h("pre", { class: "log", id: "diff", hidden: true });
  body.append(h("form", { onsubmit: async (event) => {
    event.preventDefault();
    try {
      const answer = await api("GET", `${path}/versions/${from.value}...${to.value}/diff`);
      diff.hidden = false;
      diff.textContent = answer.diff || "No differences.";
    } catch (e) { showError(e); }
  } }, "Compare ", from, " with ", to, h("button", { class: "secondary" }, "Show diff")), diff);
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
      ["Outcome", (r) => r.outcome + (r.error ? ": " + r.error.split("\n")[0] : "")],
      ["ms", (r) => String(r.durationMs), "wide"],
      ["", (r) => r.output || r.error ? h("details", {}, h("summary", {}, "output"),
        h("pre", { class: "log" }, [r.output, r.error].filter(Boolean).join("\n"))) : ""],
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

async function jobs(body, path) {
  const answer = await api("GET", path + "/jobs?limit=200");
  body.append(table([
    ["Due", (j) => when(j.runAt)],
    ["Kind", (j) => j.kind + (j.name ? " " + j.name : "")],
    ["Handler", (j) => j.handler, "wide"],
    ["Status", (j) => j.status + (j.error ? ": " + j.error.split("\n")[0] : "")],
    ["", (j) => h("span", {},
      j.status === "dead" ? h("button", { class: "secondary", onclick: async () => {
        try { await api("POST", `${path}/jobs/${j.id}/retry`); location.reload(); } catch (e) { showError(e); } } }, "Retry") : "",
      j.status !== "running" ? h("button", { class: "secondary", onclick: async () => {
        if (!confirm("Cancel this job?")) return;
        try { await api("DELETE", `${path}/jobs/${j.id}`); location.reload(); } catch (e) { showError(e); } } }, "Cancel") : "")],
  ], answer.jobs, "No pending or dead jobs."));
  return null;
}

async function ai(body, path, name) {
  const [usage, budget] = await Promise.all([api("GET", path + "/ai/usage?days=30"), api("GET", "/ai/budgets/" + encodeURIComponent(name))]);
  const limits = budget.limits || {};
  const spent = budget.usage || {};
  body.append(
    h("p", {}, budget.permitted ? "This app may call AI (granted)." : "This app may not call AI: fazt grant " + name + " ai"),
    h("h2", {}, "Budget"),
    table([["", (r) => r[0]], ["Used", (r) => String(r[1] ?? 0)], ["Limit", (r) => r[2] === null || r[2] === undefined ? "none" : String(r[2])]], [
      ["Tokens today", spent.tokensToday, limits.tokensPerDay], ["Tokens this month", spent.tokensThisMonth, limits.tokensPerMonth],
      ["Cost today ($)", spent.costToday, limits.costPerDay], ["Cost this month ($)", spent.costThisMonth, limits.costPerMonth],
      ["Requests in the last minute", spent.requestsLastMinute, limits.requestsPerMinute]]),
    h("h2", {}, "Usage by day"),
    table([["Day", (r) => r.day], ["Model", (r) => r.model], ["Calls", (r) => String(r.calls)],
      ["Tokens in / out", (r) => r.inputTokens + " / " + r.outputTokens, "wide"], ["Cost ($)", (r) => (r.cost ?? 0).toFixed(4)]],
      usage.usage, "No AI calls in the last 30 days."));
  return null;
}

const textTypes = /^(text\/|application\/(json|javascript|xml)|image\/svg)/;

async function files(body, path, name) {
  const list = await api("GET", path + "/files");
  const viewer = h("div", { id: "file-view" });
  const open = async (file) => {
    viewer.replaceChildren(h("h2", {}, file.path));
    if (!textTypes.test(file.mime) && !/\.(js|mjs|ts|json|md|txt|css|html)$/.test(file.path)) {
      viewer.append(h("p", { class: "muted" }, `${file.mime || "binary"}, ${size(file.size)}: not shown.`));
      return;
    }
    const res = await fetch("/_fazt/api/v1" + path + "/files/" + file.path.split("/").map(encodeURIComponent).join("/"), { credentials: "same-origin" });
    const text = await res.text();
    const editor = h("textarea", { id: "file-text", rows: Math.min(30, text.split("\n").length + 2), spellcheck: "false", "aria-label": file.path }, text);
    const outcome = h("p", { id: "file-outcome", role: "status" });
    const draft = "dashboard";
    const save = async () => {
      const put = await fetch(`/_fazt/api/v1${path}/drafts/${draft}/files/` + file.path.split("/").map(encodeURIComponent).join("/"),
        { method: "PUT", credentials: "same-origin", headers: { "X-Fazt-CSRF": session.csrf }, body: editor.value });
      if (!put.ok) throw new Error((await put.json()).error?.message || put.status);
    };
    const commit = async (live) => {
      await save();
      const made = await api("POST", `${path}/drafts/${draft}/commit`, { message: "edited " + file.path + " in the dashboard", deploy: live });
      if (live) { outcome.replaceChildren(`v${made.version} is live.`); return; }
      const preview = await api("GET", `${path}/versions/${made.version}/preview?ttl=3600`);
      outcome.replaceChildren(`v${made.version} committed (not live): `, h("a", { href: preview.url, target: "_blank", rel: "noopener", id: "preview-link" }, "preview it"),
        " — make it live from Versions.");
    };
    viewer.append(editor, h("p", {},
      h("button", { class: "secondary", id: "file-preview", onclick: () => commit(false).catch(showError) }, "Commit as a preview"), " ",
      h("button", { id: "file-live", onclick: () => { if (confirm(`Make this edit of ${name} live now?`)) commit(true).catch(showError); } }, "Commit and go live")),
      outcome);
  };
  body.append(h("div", { class: "files" },
    h("ul", { id: "file-tree", class: "tree" }, list.files.map((file) => {
      const depth = file.path.split("/").length - 1;
      // CSSOM, not a style attribute: the page's CSP allows no inline styles.
      const item = h("li", {}, h("a", { href: "#", "data-path": file.path, onclick: (event) => { event.preventDefault(); open(file).catch(showError); } },
        file.path.split("/").pop()), h("span", { class: "muted" }, " " + size(file.size)));
      item.style.paddingLeft = depth + "rem";
      return item;
    })), viewer));
  const manifest = list.files.find((f) => f.path === "fazt.json");
  if (manifest) await open(manifest);
  return null;
}
