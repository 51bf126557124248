// The owner dashboard: sign-in (password or passkey), then a hash router over the views.
import { $, api, session, showError } from "./ui.js";
import { passkeySignIn } from "./passkeys.js";
import { homeView } from "./home.js";
import { appView } from "./app-page.js";
import { settingsView } from "./settings.js";
import { serverView } from "./server.js";

async function sessionCall(method, body) {
  const headers = { "Content-Type": "application/json" };
  if (session.csrf) headers["X-Fazt-CSRF"] = session.csrf;
  const res = await fetch("/_fazt/session", { method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

let stopView = null;

async function route() {
  showError(null);
  if (stopView) { stopView(); stopView = null; }
  const state = (await sessionCall("GET")).body;
  session.csrf = state.csrf || null;
  $("login").hidden = state.signedIn; $("logout").hidden = !state.signedIn; $("nav").hidden = !state.signedIn;
  $("no-password").hidden = state.passwordSet;
  $("passkey-signin").hidden = state.signedIn || !window.PublicKeyCredential;
  const view = $("view");
  view.replaceChildren();
  if (!state.signedIn) { $("summary").textContent = ""; return; }
  const [, page, name, tab] = location.hash.split("/");
  if (page === "app" && name) stopView = await appView(view, decodeURIComponent(name), tab || "versions");
  else if (page === "settings") stopView = await settingsView(view);
  else if (page === "server") stopView = await serverView(view);
  else stopView = await homeView(view);
}

session.onSignedOut = () => route();

async function start() {
  // "/#token=…" signs in once: the fragment never reaches the server's logs, and is removed at once.
  if (location.hash.startsWith("#token=")) {
    const token = decodeURIComponent(location.hash.slice(7));
    history.replaceState(null, "", location.pathname);
    const signed = await sessionCall("POST", { token });
    if (signed.status !== 200) showError(signed.body.error || "That link is not valid.");
  }
  await route();
}

$("password-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const signed = await sessionCall("POST", { password: $("password").value });
  $("password").value = "";
  if (signed.status !== 200) return showError(signed.body.error || "Sign-in failed.");
  route().catch(showError);
});
$("passkey-signin").addEventListener("click", () => passkeySignIn().then(route).catch(showError));
$("logout").addEventListener("click", async () => { await sessionCall("DELETE"); session.csrf = null; route(); });
window.addEventListener("hashchange", () => route().catch(showError));
start().catch(showError);
