// Server settings: tokens, signed-in browsers, passkeys, backups.
import { api, h, showError, size, table, when } from "./ui.js";
import { addPasskey } from "./passkeys.js";

export async function settingsView(view) {
  const [tokens, sessions, passkeys, backups] = await Promise.all([
    api("GET", "/tokens"), api("GET", "/sessions"), api("GET", "/passkeys"), api("GET", "/backups")]);
  const reload = () => window.dispatchEvent(new HashChangeEvent("hashchange"));
  const created = h("div", { id: "token-created" });
  const name = h("input", { id: "token-name", placeholder: "Token name (e.g. claude)", required: true, "aria-label": "Token name" });
  const apps = h("input", { id: "token-apps", placeholder: "Apps (comma-separated, * for all)", value: "*", "aria-label": "Apps" });
  const preset = h("select", { id: "token-preset", "aria-label": "Preset" }, ["read", "build", "ship"].map((p) => h("option", { value: p }, p)));
  view.append(
    h("h1", {}, "Settings"),
    h("h2", {}, "Tokens"),
    h("form", { id: "token-form", onsubmit: async (event) => {
      event.preventDefault();
      try {
        const made = await api("POST", "/tokens", { name: name.value, apps: apps.value.split(",").map((a) => a.trim()).filter(Boolean), preset: preset.value });
        const mcp = `claude mcp add --transport http fazt ${location.origin}/_fazt/mcp --header "Authorization: Bearer ${made.token}"`;
        created.replaceChildren(h("p", {}, "Copy it now: it is shown once."), h("div", { class: "secret mono" }, made.token),
          h("p", { class: "muted" }, "For an MCP client:"), h("div", { class: "secret mono" }, mcp));
      } catch (e) { showError(e); }
    } }, name, apps, preset, h("button", {}, "Create token")),
    created,
    table([["Name", (t) => t.name], ["Reaches", (t) => t.scopes ? (t.apps || []).join(", ") + " · " + t.scopes.join(" ") : "owner (everything)"],
      ["Last used", (t) => when(t.lastUsedAt), "wide"],
      ["", (t) => h("button", { class: "secondary", onclick: async () => {
        if (!confirm(`Revoke ${t.name}?`)) return;
        try { await api("DELETE", "/tokens/" + t.id); reload(); } catch (e) { showError(e); } } }, "Revoke")]], tokens.tokens),
    h("h2", {}, "Signed-in browsers"),
    table([["Session", (s) => s.id + (s.current ? " (this browser)" : "")], ["Opens", (s) => s.app || "dashboard"],
      ["Since", (s) => when(s.createdAt)]], sessions.sessions),
    h("p", {}, h("button", { id: "logout-all", class: "danger", onclick: async () => {
      try { await api("DELETE", "/sessions"); } catch (e) { /* signed out */ } reload(); } }, "Sign out everywhere")),
    h("h2", {}, "Passkeys"),
    h("ul", { id: "passkeys" }, passkeys.passkeys.map((k) => h("li", { "data-id": k.id }, k.name + " · added " + when(k.createdAt)))),
    h("p", {}, h("button", { id: "passkey-add", onclick: async () => {
      try { await addPasskey(navigator.platform || "passkey"); reload(); } catch (e) { showError(e); } } }, "Add a passkey")),
    h("h2", {}, "Backups"),
    h("p", { class: "muted" }, "Kept at " + backups.target + (backups.status?.lastError ? " · last attempt failed: " + backups.status.lastError : "")),
    table([["Backup", (b) => b.name, "mono"], ["Made", (b) => when(b.createdAt)], ["Size", (b) => size(b.bytes), "wide"],
      ["", (b) => b.location?.startsWith("/")
        ? h("a", { href: "/_fazt/api/v1/backups/" + encodeURIComponent(b.name), download: b.name, "data-backup": b.name }, "Download")
        : h("span", { class: "muted" }, b.location)]],
    [...backups.backups].reverse(), "No backups yet."),
    h("p", {}, h("button", { id: "backup-now", onclick: async (event) => {
      event.target.disabled = true; event.target.textContent = "Backing up…";
      try { await api("POST", "/backups"); reload(); } catch (e) { showError(e); event.target.disabled = false; } } }, "Back up now")),
    h("h3", {}, "Restoring a backup"),
    h("ol", { class: "muted" },
      h("li", {}, "Download it (above) or copy it from the backup directory or bucket."),
      h("li", {}, "Stop the server: systemctl stop fazt (or Ctrl-C)."),
      h("li", {}, h("code", {}, "fazt backup restore FILE --data /path/to/data.db"), " (checks it, keeps the old database as data.db.pre-restore)."),
      h("li", {}, "Start the server again; see docs/operations.md for restoring onto a new machine.")));
  return null;
}
