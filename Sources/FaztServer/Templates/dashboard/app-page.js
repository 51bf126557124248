// One app: versions (diff, roll back, restore), files (edit into a draft), live logs, run history,
// jobs, storage (KV, collections, SQL, blobs), realtime, env and secrets, AI, the manifest.
import { $, api, h, session, showError, size, table, when } from "./ui.js";
import { deployCard } from "./deploy.js";
import { bars, hourChart, hourLegend, hourlyTraffic, liveRates, rateText } from "./charts.js";

const tabs = [["versions", "Versions"], ["files", "Files"], ["logs", "Logs"], ["runs", "Runs"], ["jobs", "Jobs"], ["storage", "Storage"],
  ["realtime", "Realtime"], ["env", "Env"], ["ai", "AI"], ["manifest", "Manifest"]];

export async function appView(view, name, tab) {
  const app = await api("GET", "/apps/" + encodeURIComponent(name));
  $("summary").textContent = name;
  const base = "#/app/" + encodeURIComponent(name) + "/";
  const body = h("div", { id: "tab" });
  const rate = h("span", { class: "rate", id: "app-rate" }, "measuring…");
  const plot = h("div", { id: "app-traffic" });
  const traffic = h("div", { class: "card" }, h("div", {}, rate, " · ", hourLegend()), plot);
  view.append(
    h("h1", {}, name, " ", h("a", { href: app.url, target: "_blank", rel: "noopener", class: "muted" }, "open ↗")),
    h("p", { class: "muted" }, "v" + app.version + " live · " + app.files + " files · " + size(app.bytes)
      + " · storage " + size(app.storage?.bytes ?? 0)),
    traffic,
    h("nav", { class: "tabs" }, tabs.map(([id, title]) =>
      h("a", { href: base + id, "aria-current": id === tab ? "page" : undefined }, title))),
    body);
  const stopRates = liveRates((history) => { rate.textContent = rateText(history[name]); }, { seconds: 2 });
  const stopHistory = hourlyTraffic((apps) => plot.replaceChildren(hourChart(apps, name, { height: 60,
    label: "requests and errors per minute over the last hour for " + name })));
  const path = "/apps/" + encodeURIComponent(name);
  const stopTab = await tabView(tab, body, path, name);
  return () => { stopRates(); stopHistory(); if (stopTab) stopTab(); };
}

function tabView(tab, body, path, name) {
  switch (tab) {
    case "logs": return logs(body, path);
    case "realtime": return realtime(body, path);
    case "manifest": return manifest(body, path);
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
  body.append(h("h2", {}, "Deploy"), deployCard(() => window.dispatchEvent(new HashChangeEvent("hashchange")), { app: name }));
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
  const outcome = h("select", { id: "run-outcome", "aria-label": "Outcome" },
    ["any outcome", "ok", "failed", "retry", "dead", "skipped"].map((k) => h("option", { value: k }, k)));
  const lateness = h("div", { id: "lateness" });
  const list = h("div");
  const load = async () => {
    const answer = await api("GET", path + "/runs?limit=200" + (kind.value === "all" ? "" : "&kind=" + kind.value));
    const shown = answer.runs.filter((r) => outcome.value === "any outcome" || r.outcome === outcome.value);
    const timed = answer.runs.filter((r) => r.lateMs !== undefined && r.lateMs !== null).reverse();
    lateness.replaceChildren(timed.length
      ? h("div", { class: "card" }, h("h3", {}, "Job lateness"), h("p", { class: "muted" },
        "How long after they were due the last " + timed.length + " job and cron runs started (ms)."),
      bars(timed.map((r) => r.lateMs), { labels: timed.map((r) => when(r.startedAt)), unit: " ms", color: "#a15c00",
        label: "job lateness in milliseconds, oldest to newest" }))
      : "");
    list.replaceChildren(table([
      ["When", (r) => when(r.startedAt)],
      ["Kind", (r) => r.kind],
      ["Handler", (r) => r.name || r.handler, "wide"],
      ["Outcome", (r) => h("span", { class: r.outcome === "ok" ? "" : "bad" }, r.outcome + (r.error ? ": " + r.error.split("\n")[0] : ""))],
      ["ms", (r) => String(r.durationMs) + (r.lateMs ? " (+" + r.lateMs + " late)" : ""), "wide"],
      ["", (r) => r.output || r.error ? h("details", {}, h("summary", {}, r.error ? "console and stack" : "console"),
        h("pre", { class: "log" }, [r.output, r.error].filter(Boolean).join("\n"))) : ""],
    ], shown, "No runs yet."));
  };
  for (const select of [kind, outcome]) select.addEventListener("change", () => load().catch(showError));
  body.append(lateness, h("form", { onsubmit: (e) => e.preventDefault() }, kind, outcome), list);
  await load();
  return null;
}

async function storage(body, path) {
  const [kv, docs, blobs] = await Promise.all([api("GET", path + "/kv?limit=100"), api("GET", path + "/docs"), api("GET", path + "/blobs?limit=200")]);
  const sql = h("textarea", { id: "sql", "aria-label": "SQL", spellcheck: "false" }, "SELECT name FROM sqlite_master WHERE type = 'table'");
  const result = h("div", { id: "sql-result" });
  const run = async () => {
    const answer = await api("POST", path + "/sql", { sql: sql.value });
    result.replaceChildren(table(answer.columns.map((c) => [c, (row) => JSON.stringify(row[c])]), answer.rows, "No rows."));
  };
  const collection = h("select", { id: "doc-collection", "aria-label": "Collection" },
    docs.collections.map((c) => h("option", { value: c.name }, c.name + " (" + c.count + ")")));
  const where = h("textarea", { id: "doc-query", "aria-label": "Query", spellcheck: "false", rows: 1 }, "{}");
  const sort = h("input", { id: "doc-sort", "aria-label": "Sort", placeholder: "sort: field or -field" });
  const found = h("div", { id: "doc-result" });
  const find = async () => {
    const answer = await api("GET", `${path}/docs/${encodeURIComponent(collection.value)}?limit=50&where=${encodeURIComponent(where.value)}`
      + (sort.value ? "&sort=" + encodeURIComponent(sort.value) : ""));
    found.replaceChildren(h("p", { class: "muted" }, answer.count + (answer.count === 1 ? " match" : " matches")
      + (answer.count > answer.documents.length ? ", the first " + answer.documents.length + " shown" : "")),
    answer.documents.length ? h("pre", { class: "json" }, answer.documents.map((d) => JSON.stringify(d)).join("\n")) : "");
  };
  const blobHref = (b) => "/_fazt/api/v1" + path + "/blobs/" + b.path.split("/").map(encodeURIComponent).join("/");
  body.append(
    h("h2", {}, "Keys"),
    table([["Key", (k) => k.key, "mono"], ["Value", (k) => JSON.stringify(k.value).slice(0, 200), "mono"],
      ["Size", (k) => size(k.size), "wide"]], kv.keys, "No keys."),
    h("h2", {}, "Collections"),
    docs.collections.length
      ? h("div", {}, h("form", { class: "query", onsubmit: (e) => { e.preventDefault(); find().catch(showError); } },
        collection, where, sort, h("button", { id: "doc-run" }, "Find")),
      h("p", { class: "muted" }, 'Queries as in fazt.docs.find: {"status": "open"}, {"age": {"$gt": 30}}, {"$or": [...]}.'), found)
      : h("p", { class: "muted" }, "No collections."),
    h("h2", {}, "SQL (read-only)"), sql,
    h("p", {}, h("button", { id: "sql-run", onclick: () => run().catch(showError) }, "Run")), result,
    h("h2", {}, "Blobs"),
    table([["Path", (b) => h("a", { href: blobHref(b), download: b.path.split("/").pop(), "data-blob": b.path }, b.path), "mono"],
      ["Type", (b) => b.type, "wide"], ["Size", (b) => size(b.size)], ["Updated", (b) => when(b.updatedAt), "wide"]],
    blobs.blobs, "No blobs."));
  if (docs.collections.length) await find();
  return null;
}

async function realtime(body, path) {
  const load = async () => {
    const answer = await api("GET", path + "/channels");
    body.replaceChildren(
      h("p", { class: "muted" }, "Refreshed every 2 seconds. Publish to a channel from outside the app: "
        + "POST /_fazt/api/v1" + path + "/channels/{channel}/messages."),
      h("h2", {}, "Channels"),
      h("div", { id: "channels" }, table([["Channel", (c) => c.name, "mono"], ["Subscribers", (c) => String(c.subscribers)],
        ["Present", (c) => String(c.present)], ["Messages", (c) => String(c.offset), "wide"],
        ["", (c) => h("button", { class: "secondary", onclick: async () => {
          const who = await api("GET", path + "/channels/" + encodeURIComponent(c.name));
          alert(who.presence.length ? who.presence.map((m) => (m.user || m.id) + " (" + m.connections + ")").join("\n") : "Nobody present.");
        } }, "Presence")]], answer.channels, "No open channels.")),
      h("h2", {}, "Connected sockets"),
      h("div", { id: "sockets" }, table([["Socket", (s) => s.id, "mono"], ["User", (s) => s.user || "—"],
        ["Channels", (s) => s.channels.join(", ")], ["Tags", (s) => s.tags.join(", "), "wide"]], answer.sockets, "No sockets connected.")));
  };
  await load();
  const timer = setInterval(() => load().catch(showError), 2000);
  return () => clearInterval(timer);
}

async function manifest(body, path) {
  const res = await fetch("/_fazt/api/v1" + path + "/files/fazt.json", { credentials: "same-origin" });
  if (res.status === 404) {
    body.append(h("p", { class: "muted", id: "manifest" }, "This version has no fazt.json: defaults apply (no realtime, no AI, no grants)."));
    return null;
  }
  const text = await res.text();
  let shown = text;
  try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* shown as stored */ }
  body.append(h("p", { class: "muted" }, "fazt.json of the live version (edit it from Files)."), h("pre", { class: "json", id: "manifest" }, shown));
  return null;
}

async function env(body, path) {
  const [answer, secrets] = await Promise.all([api("GET", path + "/env"), api("GET", path + "/secrets")]);
  const reload = () => window.dispatchEvent(new HashChangeEvent("hashchange"));
  const secretName = h("input", { id: "secret-name", placeholder: "NAME", "aria-label": "Secret name", required: true, pattern: "[A-Za-z_][A-Za-z0-9_]*" });
  const secretValue = h("input", { id: "secret-value", type: "password", placeholder: "value (never shown again)", "aria-label": "Secret value",
    autocomplete: "off", required: true });
  const hosts = h("input", { id: "secret-hosts", placeholder: "only to hosts (optional, comma-separated)", "aria-label": "Hosts" });
  body.append(
    h("h2", {}, "Environment"),
    table([["Key", (e) => e[0], "mono"], ["Value", (e) => e[1], "mono"]], Object.entries(answer.env), "No env values."),
    h("h2", {}, "Secrets (write-only: values are never shown)"),
    h("div", { id: "secrets" }, table([["Name", (s) => s.name, "mono"], ["Hosts", (s) => (s.hosts || []).join(", ") || "any", "wide"],
      ["Updated", (s) => when(s.updatedAt)],
      ["", (s) => h("button", { class: "secondary", onclick: async () => {
        if (!confirm(`Remove the secret ${s.name}?`)) return;
        try { await api("DELETE", path + "/secrets/" + encodeURIComponent(s.name)); reload(); } catch (e) { showError(e); } } }, "Remove")]],
    secrets.secrets, "No secrets.")),
    h("form", { id: "secret-form", onsubmit: async (event) => {
      event.preventDefault();
      const list = hosts.value.split(",").map((x) => x.trim()).filter(Boolean);
      try {
        await api("PUT", path + "/secrets/" + encodeURIComponent(secretName.value), { value: secretValue.value, hosts: list.length ? list : undefined });
        secretValue.value = "";
        reload();
      } catch (e) { showError(e); }
    } }, secretName, secretValue, hosts, h("button", {}, "Set secret")));
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
    h("form", { id: "budget-form", class: "plain", onsubmit: async (event) => {
      event.preventDefault();
      const changes = {};
      for (const input of event.target.querySelectorAll("input[data-limit]")) changes[input.dataset.limit] = input.value === "" ? 0 : Number(input.value);
      try { await api("PUT", "/ai/budgets/" + encodeURIComponent(name), changes); window.dispatchEvent(new HashChangeEvent("hashchange")); }
      catch (e) { showError(e); }
    } },
    table([["", (r) => r[0]], ["Used", (r) => String(r[1] ?? 0)],
      ["Limit (empty: none)", (r) => h("input", { type: "number", min: "0", step: r[2].startsWith("cost") ? "0.01" : "1", "data-limit": r[2],
        "aria-label": r[0] + " limit", value: limits[r[2]] ?? "" })]], [
      ["Tokens today", spent.tokensToday, "tokensPerDay"], ["Tokens this month", spent.tokensThisMonth, "tokensPerMonth"],
      ["Cost today ($)", spent.costToday, "costPerDay"], ["Cost this month ($)", spent.costThisMonth, "costPerMonth"],
      ["Requests in the last minute", spent.requestsLastMinute, "requestsPerMinute"]]),
    h("p", {}, h("button", { id: "budget-save" }, "Save limits"))),
    h("h2", {}, "Cost per day ($)"),
    costChart(usage.usage),
    h("h2", {}, "Usage by day"),
    table([["Day", (r) => r.day], ["Model", (r) => r.model], ["Calls", (r) => String(r.calls)],
      ["Tokens in / out", (r) => r.inputTokens + " / " + r.outputTokens, "wide"], ["Cost ($)", (r) => (r.cost ?? 0).toFixed(4)]],
      usage.usage, "No AI calls in the last 30 days."));
  return null;
}

/** Cost per day over the last 30 days, every model together. */
function costChart(rows) {
  const days = [];
  for (let i = 29; i >= 0; i--) days.push(new Date(Date.now() - i * 86400000).toISOString().slice(0, 10));
  const byDay = Object.fromEntries(days.map((d) => [d, 0]));
  for (const row of rows) if (row.day in byDay) byDay[row.day] += row.cost ?? 0;
  return h("div", { class: "card", id: "ai-cost" }, bars(days.map((d) => Number(byDay[d].toFixed(6))),
    { labels: days, unit: " $", label: "AI cost per day over the last 30 days" }));
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
