// The `assistant` settings of fazt.json with their defaults, and the origin checks every route uses.

const manifest = require("../../fazt.json");
const settings = manifest.assistant || {};
const limits = settings.rateLimits || {};

const config = Object.freeze({
  title: settings.title || "Assistant",
  greeting: settings.greeting || "",
  origins: Array.isArray(settings.origins) ? settings.origins.map((o) => String(o).replace(/\/+$/, "")) : [],
  systemPrompt:
    settings.systemPrompt ||
    "You are a helpful assistant on this website. Answer briefly from the knowledge below; " +
      "when you do not know, say so and offer to bring in a person.",
  model: settings.model || undefined,
  embeddingModel: settings.embeddingModel || undefined,
  perIpPerMinute: limits.perIpPerMinute || 20,
  perConversationPerMinute: limits.perConversationPerMinute || 10,
  identitySecret: settings.identitySecret || "",
  requireIdentity: settings.requireIdentity === true,
  handoffKeywords: Array.isArray(settings.handoffKeywords)
    ? settings.handoffKeywords
    : ["human", "person", "agent", "operator", "representative"],
  historyMessages: settings.historyMessages || 20,
  maxTextLength: 4000,
  tokenTTL: 3600,
});

/// The app's own origins as the browser sees them (http and https of the Host header).
function ownOrigins(req) {
  const host = req.headers.host || "";
  return host ? ["http://" + host, "https://" + host] : [];
}

/// Whether `origin` may embed the widget: listed in assistant.origins, or the app's own origin.
function isAllowed(req, origin) {
  if (!origin) return false;
  const clean = String(origin).replace(/\/+$/, "");
  return config.origins.includes(clean) || config.origins.includes("*") || ownOrigins(req).includes(clean);
}

/// The fix a refused website needs, in words.
function refusal(origin) {
  return (
    `the assistant refuses ${origin || "this page"}: add "${origin || "https://your.site"}" to ` +
    `"assistant.origins" in the app's fazt.json, then fazt deploy it again`
  );
}

function json(data, status = 200, headers = {}) {
  return new Response(JSON.stringify(data), {
    status,
    headers: Object.assign({ "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" }, headers),
  });
}

module.exports = { config, ownOrigins, isAllowed, refusal, json };
