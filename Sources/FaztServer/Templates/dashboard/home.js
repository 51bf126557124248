// Home: the server's health, the apps with their live traffic, recent deploys, the notification inbox.
import { $, ago, api, h, size, table, when } from "./ui.js";
import { deployCard } from "./deploy.js";
import { hourChart, hourLegend, hourlyTraffic, liveRates, rateText } from "./charts.js";
import { inbox } from "./notifications.js";

function certificatePill(certificates) {
  if (!certificates) return h("span", { class: "pill", title: "serving plain HTTP (fazt serve --https for certificates)" }, "HTTP only");
  if (!certificates.length) return h("span", { class: "pill warn" }, "no certificate yet");
  const soonest = certificates.reduce((a, b) => (a.daysLeft <= b.daysLeft ? a : b));
  return h("span", { class: "pill " + (soonest.daysLeft < 7 ? "bad" : soonest.daysLeft < 20 ? "warn" : "ok"),
    title: certificates.map((c) => c.name + ": " + c.daysLeft + " days").join("\n") },
  certificates.length + (certificates.length === 1 ? " certificate" : " certificates") + ", next expiry in " + soonest.daysLeft + " days");
}

export async function homeView(view) {
  const [status, list, deploys, notes] = await Promise.all([api("GET", "/status"), api("GET", "/apps"), api("GET", "/deploys?limit=8"), inbox()]);
  const backupAge = status.backup?.ageSeconds;
  const backupClass = backupAge === undefined ? "warn" : status.backup.lastOK === false ? "bad" : backupAge > 172800 ? "warn" : "ok";
  view.append(
    h("div", { class: "health", id: "health" },
      h("span", { class: "pill ok" }, "up " + ago(status.uptimeSeconds)),
      h("span", { class: "pill" }, "memory " + size(status.rssBytes)),
      h("span", { class: "pill" }, status.workers + (status.workers === 1 ? " worker" : " workers")),
      h("span", { class: status.diskFreeBytes < 1073741824 ? "pill warn" : "pill" }, size(status.diskFreeBytes) + " free"),
      h("span", { class: status.writerQueue > 100 ? "pill warn" : "pill", title: "writes waiting for the database writer" }, "writer queue " + status.writerQueue),
      h("span", { class: "pill " + backupClass }, backupAge === undefined ? "no backup yet" : "backup " + ago(backupAge) + " ago"),
      certificatePill(status.certificates),
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
    deployCard(() => window.dispatchEvent(new HashChangeEvent("hashchange"))),
    h("div", { class: "two" },
      h("div", {}, h("h2", {}, "Recent deploys"), h("div", { id: "deploys" }, table([
        ["App", (d) => h("a", { href: "#/app/" + encodeURIComponent(d.app) + "/versions" }, d.app)],
        ["Version", (d) => "v" + d.version + (d.live ? " (live)" : "")],
        ["How", (d) => d.source + (d.message ? ": " + d.message : ""), "wide"],
        ["When", (d) => when(d.createdAt)]], deploys.deploys, "No deploys yet."))),
      h("div", {}, h("h2", {}, "Notifications (live)"), notes.element)));
  $("summary").textContent = list.apps.length + (list.apps.length === 1 ? " app" : " apps");
  // Apps are labelled by host in the metrics: the app name, or _fazt for the dashboard and API.
  const all = h("div", { id: "traffic" });
  $("health").after(h("div", { class: "card" }, h("h3", {}, "Traffic"), hourLegend(), all));
  const stopHistory = hourlyTraffic((apps) => {
    all.replaceChildren(hourChart(apps, null, { label: "requests and errors per minute over the last hour, every app" }));
    for (const element of view.querySelectorAll(".spark")) {
      element.replaceChildren(hourChart(apps, element.dataset.app, { width: 200, height: 36,
        label: "requests and errors per minute over the last hour for " + element.dataset.app }));
    }
  });
  const stopRates = liveRates((history) => {
    for (const element of view.querySelectorAll(".rate")) element.textContent = rateText(history[element.dataset.app]);
  }, { seconds: 2 });
  return () => { stopRates(); stopHistory(); notes.stop(); };
}
