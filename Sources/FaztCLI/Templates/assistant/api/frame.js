// GET /api/frame?parent=ORIGIN: the chat page shown in the widget's iframe. Browsers refuse to
// show it inside pages of other origins (Content-Security-Policy: frame-ancestors).

const { config, isAllowed, refusal, ownOrigins } = require("./_lib/config.js");

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

exports.GET = async (req) => {
  const parent = String(req.query.parent || "");
  const ancestors = ["'self'"].concat(config.origins.filter((o) => o !== "*"));
  if (config.origins.includes("*")) ancestors.push("*");
  const host = req.headers.host || "";
  const csp = [
    "default-src 'self'",
    `connect-src 'self' ws://${host} wss://${host}`,
    "img-src 'self' data:",
    "frame-ancestors " + ancestors.join(" "),
  ].join("; ");
  const headers = { "Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": csp, "Cache-Control": "no-store" };
  if (parent && !isAllowed(req, parent)) {
    return new Response(`<!doctype html><p>${escape(refusal(parent))}</p>`, { status: 403, headers });
  }
  const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(config.title)}</title>
<link rel="stylesheet" href="/chat.css">
</head>
<body data-parent="${escape(parent)}" data-app-origins="${escape(ownOrigins(req).join(" "))}">
<header class="fazt-header">
  <div class="fazt-title"><span class="fazt-dot"></span><span id="fazt-title">${escape(config.title)}</span></div>
  <button type="button" class="fazt-close" id="fazt-close" aria-label="Close">&times;</button>
</header>
<div id="fazt-status" data-status="open" role="status"></div>
<main id="fazt-messages" aria-live="polite"></main>
<div id="fazt-typing" class="fazt-typing" hidden><span></span><span></span><span></span></div>
<form id="fazt-form" class="fazt-composer">
  <textarea id="fazt-input" rows="1" maxlength="4000" placeholder="Write a message…" aria-label="Message"></textarea>
  <button type="submit" id="fazt-send" aria-label="Send">
    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path fill="currentColor" d="M3 20.5v-6l8-2.5-8-2.5v-6L22 12z"/></svg>
  </button>
</form>
<div class="fazt-footer">Powered by Fazt</div>
<script id="fazt-config" type="application/json">${JSON.stringify({ greeting: config.greeting }).replace(/</g, "\\u003c")}</script>
<script src="/chat.js"></script>
</body>
</html>`;
  return new Response(page, { status: 200, headers });
};
