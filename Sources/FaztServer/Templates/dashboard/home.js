// Home: the server's health and the apps.
import { $, ago, api, h, size, when } from "./ui.js";
import { deployCard } from "./deploy.js";
import { chart, legend, liveRates, rateText } from "./charts.js";

export async function homeView(view) {
  const [status, list] = await Promise.all([api("GET", "/status"), api("GET", "/apps")]);
  const backupAge = status.backup?.ageSeconds;
  const backupClass = backupAge === undefined ? "warn" : status.backup.lastOK === false ? "bad" : backupAge > 172800 ? "warn" : "ok";
  view.append(
    h("div", { class: "health", id: "health" },
      h("span", { class: "pill ok" }, "up " + ago(status.uptimeSeconds)),
      h("span", { class: "pill" }, "memory " + size(status.rssBytes)),
      h("span", { class: "pill" }, status.workers + (status.workers === 1 ? " worker" : " workers")),
      h("span", { class: status.diskFreeBytes < 1073741824 ? "pill warn" : "pill" }, size(status.diskFreeBytes) + " free"),
      h("span", { class: "pill " + backupClass }, backupAge === undefined ? "no backup yet" : "backup " + ago(backupAge) + " ago"),
      h("span", { class: "pill" }, "fazt " + status.version)),
    list.apps.length
      ? h("div", { class: "cards", id: "apps" }, list.apps.map((app) => h("div", { class: "card" },
          h("h3", {}, h("a", { href: "#/app/" + encodeURIComponent(app.name) }, app.name)),
          h("div", { class: "muted" }, "v" + app.version + " · " + app.files + " files · " + size(app.bytes)),
          h("div", { class: "muted" }, "updated " + when(app.updatedAt)),
          h("div", { class: "rate", "data-app": app.name }, "measuring…"),
          h("div", { class: "spark", "data-app": app.name }),
          h("a", { href: app.url, target: "_blank", rel: "noopener" }, "open ↗"))))
      : h("p", { class: "muted", id: "apps" }, "No apps yet. Deploy one below, or with fazt deploy ./my-site --app my-site."),
    h("h2", {}, "Deploy"),
    deployCard(() => window.dispatchEvent(new HashChangeEvent("hashchange"))));
  $("summary").textContent = list.apps.length + (list.apps.length === 1 ? " app" : " apps");
  // Apps are labelled by host in the metrics: the app name, or _fazt for the dashboard and API.
  const all = h("div", { id: "traffic" });
  $("health").after(h("div", { class: "card" }, h("h3", {}, "Traffic"), legend(), all));
  return liveRates((history) => {
    const apps = Object.keys(history);
    const sum = (key) => (history[apps[0]]?.[key] ?? []).map((_, i) => apps.reduce((t, a) => t + (history[a][key][i] ?? 0), 0));
    all.replaceChildren(chart([{ values: sum("requests"), color: "#0a66ff" }, { values: sum("errors"), color: "#c62828" }],
      { width: 640, height: 80, label: "requests and errors per second, all hosts" }));
    for (const element of view.querySelectorAll(".rate")) element.textContent = rateText(history[element.dataset.app]);
    for (const element of view.querySelectorAll(".spark")) {
      const entry = history[element.dataset.app];
      if (entry) element.replaceChildren(chart([{ values: entry.requests, color: "#0a66ff" }, { values: entry.errors, color: "#c62828" }],
        { width: 200, height: 36, label: "requests and errors per second for " + element.dataset.app }));
    }
  }, { seconds: 2 });
}
