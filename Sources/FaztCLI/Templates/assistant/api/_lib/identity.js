// Visitor identity: the embedding site's server signs the user id with a secret shared with this
// app (data-user-hash = hex HMAC-SHA256(secret, user id)); the secret's NAME is
// assistant.identitySecret and its value is set with `fazt env set APP NAME VALUE`.

const { config } = require("./config.js");
const { timingSafeEqual } = require("./store.js");

async function hmacHex(secret, message) {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
  return Array.from(signature, (b) => b.toString(16).padStart(2, "0")).join("");
}

/// {id?, name?, verified} from what the page passed; `verified` only with a valid hash.
async function visitorFrom(user) {
  const id = user && user.id != null && String(user.id) ? String(user.id).slice(0, 200) : undefined;
  const name = user && user.name ? String(user.name).slice(0, 200) : undefined;
  const hash = user && typeof user.hash === "string" ? user.hash.trim().toLowerCase() : "";
  const visitor = { verified: false };
  if (id !== undefined) visitor.id = id;
  if (name !== undefined) visitor.name = name;
  if (!config.identitySecret || id === undefined || !hash) return visitor;
  const secret = fazt.env.get(config.identitySecret, "");
  if (!secret) {
    console.error(
      `assistant: assistant.identitySecret names ${config.identitySecret}, which is not set: ` +
        `fazt env set ${fazt.app.name} ${config.identitySecret} '<secret>'`
    );
    return visitor;
  }
  try {
    visitor.verified = timingSafeEqual(await hmacHex(secret, id), hash);
  } catch (error) {
    console.error(`assistant: cannot verify identities here (crypto.subtle HMAC: ${error.message})`);
  }
  return visitor;
}

module.exports = { visitorFrom, hmacHex };
