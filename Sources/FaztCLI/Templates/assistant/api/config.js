// GET /api/config: what widget.js needs, for allowed origins only (assistant.origins in fazt.json;
// the app's own origin is always allowed). A refused origin gets 403 and the fix, readable by the
// page's script so that it can say so in the console.

const { config, isAllowed, refusal, json } = require("./_lib/config.js");

exports.GET = async (req) => {
  const origin = req.headers.origin;
  const cors = origin ? { "Access-Control-Allow-Origin": origin, Vary: "Origin" } : {};
  if (origin && !isAllowed(req, origin)) return json({ error: refusal(origin) }, 403, cors);
  return json(
    {
      title: config.title,
      greeting: config.greeting,
      frame: "/api/frame",
      requireIdentity: config.requireIdentity,
    },
    200,
    cors
  );
};
