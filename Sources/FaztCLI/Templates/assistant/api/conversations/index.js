// POST /api/conversations {origin, user?: {id, name, hash}} → {id, key, token, channel, status, visitor}
// `key` is the conversation's secret (the widget keeps it in localStorage); `token` opens the
// conversation's channel ("auth": "token" in fazt.json) for an hour.

const { config, isAllowed, refusal, json } = require("../_lib/config.js");
const store = require("../_lib/store.js");
const { visitorFrom } = require("../_lib/identity.js");
const { overLimit, tooMany } = require("../_lib/limits.js");

exports.POST = async (req) => {
  const body = req.body && typeof req.body === "object" ? req.body : {};
  const origin = typeof body.origin === "string" ? body.origin : "";
  if (origin && !isAllowed(req, origin)) return json({ error: refusal(origin) }, 403);
  const wait = overLimit("new:" + req.ip, config.perIpPerMinute);
  if (wait) return tooMany("new conversations from your address", wait);
  const visitor = await visitorFrom(body.user);
  if (config.requireIdentity && !visitor.verified) {
    return json({ error: "this assistant only talks to signed-in visitors (the page's data-user-hash did not verify)" }, 403);
  }
  const conversation = store.createConversation({ origin, visitor, ip: req.ip });
  if (config.greeting) store.addMessage(conversation.id, "assistant", config.greeting);
  return json(
    Object.assign(
      { id: conversation.id, key: conversation.key, channel: store.channelOf(conversation.id), status: conversation.status, visitor },
      store.tokenFor(conversation.id)
    ),
    201
  );
};
