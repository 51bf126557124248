// The server's side: notification channels (with "send test"), AI providers and models,
// connections, the audit trail. (The notification inbox is on the home page.)
import { api, h, showError, table, when } from "./ui.js";

export async function serverView(view) {
  const [audit, providers, models, channels, connections] = await Promise.all([
    api("GET", "/audit?limit=50"), api("GET", "/ai/providers"),
    api("GET", "/ai/models"), api("GET", "/notify/channels"), api("GET", "/connect/connections")]);
  view.append(
    h("h1", {}, "Server"),
    h("h2", {}, "Notification channels"),
    table([["Name", (c) => c.name], ["Type", (c) => c.type], ["", (c) => h("button", { class: "secondary", onclick: async () => {
      try { await api("POST", "/notify/channels/" + encodeURIComponent(c.name) + "/test"); showError(null); alert("Delivered to " + c.name + "."); }
      catch (e) { showError(e); } } }, "Send test")]], channels.channels, "No channels: fazt notify channel add …"),
    h("h2", {}, "AI providers"),
    table([["Name", (p) => p.name], ["Type", (p) => p.type], ["Base URL", (p) => p.baseURL || "default", "wide"],
      ["Key", (p) => p.keySet ? "set" : "none"]], providers.providers, "No providers: fazt ai provider add …"),
    h("h2", {}, "AI models"),
    table([["Alias", (m) => m.alias + (m.default ? " (default)" : "")], ["Provider", (m) => m.provider], ["Model", (m) => m.model, "wide"],
      ["Fallback", (m) => m.fallback || "—", "wide"]], models.models, "No models."),
    h("h2", {}, "Connections"),
    table([["Name", (c) => c.name], ["Provider", (c) => c.provider], ["Status", (c) => c.status],
      ["Expires", (c) => when(c.expiresAt), "wide"]], connections.connections, "No connections."),
    h("h2", {}, "Audit trail"),
    h("div", { id: "audit" }, table([["When", (e) => when(e.at)], ["Token", (e) => e.token], ["Action", (e) => e.action], ["App", (e) => e.app || "—", "wide"],
      ["Outcome", (e) => e.outcome]], audit.entries, "Nothing audited yet (scoped-token writes and MCP calls are).")));
  return null;
}
