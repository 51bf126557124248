// Passkeys (WebAuthn): adding one while signed in, signing in with one.
import { session } from "./ui.js";

const b64u = {
  enc: (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""),
  dec: (text) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4)), (c) => c.charCodeAt(0)),
};

async function post(path, body) {
  const headers = { "Content-Type": "application/json" };
  if (session.csrf) headers["X-Fazt-CSRF"] = session.csrf;
  const res = await fetch("/_fazt/passkeys/" + path, { method: "POST", headers, credentials: "same-origin",
    body: JSON.stringify(body || {}) });
  const answer = await res.json();
  if (!res.ok) throw new Error(answer?.error?.message || answer?.error || "passkey " + path + ": " + res.status);
  return answer;
}

export async function addPasskey(name) {
  const options = await post("register/options");
  const credential = await navigator.credentials.create({ publicKey: { ...options,
    challenge: b64u.dec(options.challenge), user: { ...options.user, id: b64u.dec(options.user.id) },
    excludeCredentials: options.excludeCredentials.map((c) => ({ ...c, id: b64u.dec(c.id) })) } });
  await post("register", { name, clientDataJSON: b64u.enc(credential.response.clientDataJSON),
    attestationObject: b64u.enc(credential.response.attestationObject) });
}

export async function passkeySignIn() {
  const options = await post("login/options");
  const assertion = await navigator.credentials.get({ publicKey: { ...options,
    challenge: b64u.dec(options.challenge),
    allowCredentials: options.allowCredentials.map((c) => ({ ...c, id: b64u.dec(c.id) })) } });
  await post("login", { id: assertion.id, clientDataJSON: b64u.enc(assertion.response.clientDataJSON),
    authenticatorData: b64u.enc(assertion.response.authenticatorData), signature: b64u.enc(assertion.response.signature) });
}
