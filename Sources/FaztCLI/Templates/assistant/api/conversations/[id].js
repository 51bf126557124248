// GET /api/conversations/ID?key=KEY → {id, status, visitor, channel, token, messages: [...]}
// The transcript and a fresh channel token; the same 404 for an unknown id and a wrong key.

const { json } = require("../_lib/config.js");
const store = require("../_lib/store.js");

exports.GET = async (req) => {
  const conversation = store.findConversation(req.params.id, String(req.query.key || ""));
  if (!conversation) return json({ error: "no such conversation (or a wrong key): start a new one" }, 404);
  return json(
    Object.assign(
      {
        id: conversation.id,
        status: conversation.status,
        visitor: conversation.visitor,
        channel: store.channelOf(conversation.id),
        messages: store.transcript(conversation.id),
      },
      store.tokenFor(conversation.id)
    )
  );
};
