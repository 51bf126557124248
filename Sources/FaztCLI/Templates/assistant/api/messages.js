// POST /api/messages {conversation, key, text} → 202 {message, streamId?, status}
// Stores the visitor's message and broadcasts it; then either hands the conversation to a person
// (a hand-off keyword), tells the owner (a person already has it), or starts the AI answer, which
// streams to the conversation's channel and is stored by handlers/answered.js when it ends.

const { config, json } = require("./_lib/config.js");
const store = require("./_lib/store.js");
const knowledge = require("./_lib/knowledge.js");
const { overLimit, tooMany } = require("./_lib/limits.js");

function systemPrompt(chunks) {
  let prompt = config.systemPrompt;
  if (chunks.length) {
    prompt +=
      "\n\nKnowledge (answer from it when it is relevant; do not mention these notes):\n" +
      chunks.map((c) => `## ${c.heading}\n${c.text}`).join("\n\n");
  }
  return prompt;
}

function history(conversationId) {
  const all = fazt.storage.docs.find("messages", { conversation: conversationId, role: { $ne: "system" } }, { limit: 10000 });
  return all.slice(-config.historyMessages).map((m) => ({
    role: m.role === "visitor" ? "user" : "assistant",
    content: m.role === "owner" ? "(a person from the team wrote:) " + m.text : m.text,
  }));
}

const handoffTool = {
  name: "handoff_to_human",
  description: "Hand the conversation to a person from the team, when the visitor asks for one or you cannot help.",
  parameters: {
    type: "object",
    properties: { reason: { type: "string", description: "Why a person is needed, in a few words." } },
  },
};

/// Tells the visitor in words, and the owner's log the real reason.
function failed(conversation, error) {
  const code = (error && (error.code || error.name)) || "ERROR";
  console.error(`assistant: the AI answer for conversation ${conversation.id} failed: ${code}: ${error && error.message}`);
  const words = {
    AI_DENIED: "The assistant is not switched on yet. A person from the team has been told and will answer here.",
    AI_NOT_CONFIGURED: "The assistant is not set up yet. A person from the team has been told and will answer here.",
    AI_BUDGET: "The assistant has answered a lot today and is resting. A person from the team will answer here.",
    AI_RATE_LIMITED: "The assistant is busy right now. Please try again in a minute.",
  };
  const text = words[code] || "The assistant could not answer just now. Please try again in a moment.";
  const message = store.addMessage(conversation.id, "system", text);
  if (code !== "AI_RATE_LIMITED") store.notifyOwner(conversation, "Assistant: it could not answer a visitor", `${code}: ${error && error.message}`);
  return message;
}

exports.POST = async (req) => {
  const body = req.body && typeof req.body === "object" ? req.body : {};
  const conversation = store.findConversation(body.conversation, body.key);
  if (!conversation) return json({ error: "no such conversation (or a wrong key): start a new one" }, 404);
  const text = typeof body.text === "string" ? body.text.trim() : "";
  if (!text) return json({ error: 'send {"conversation", "key", "text"} with a non-empty text' }, 400);
  if (text.length > config.maxTextLength) {
    return json({ error: `the message is too long: at most ${config.maxTextLength} characters` }, 413);
  }
  let wait = overLimit("ip:" + req.ip, config.perIpPerMinute);
  if (wait) return tooMany("messages from your address", wait);
  wait = overLimit("conv:" + conversation.id, config.perConversationPerMinute);
  if (wait) return tooMany("messages in this conversation", wait);

  const message = store.addMessage(conversation.id, "visitor", text);
  const answer = { message: store.publicMessage(message), status: conversation.status };

  if (conversation.status === "pending" || conversation.status === "human") {
    store.notifyOwner(conversation, "Assistant: the visitor wrote again", text);
    return json(answer, 202);
  }
  if (store.asksForPerson(text)) {
    store.handoff(conversation, text);
    answer.status = "pending";
    return json(answer, 202);
  }
  try {
    const chunks = await knowledge.search(text);
    const { streamId } = await fazt.ai.stream({
      model: config.model,
      messages: [{ role: "system", content: systemPrompt(chunks) }].concat(history(conversation.id)),
      tools: [handoffTool],
      channel: store.channelOf(conversation.id),
      onDone: "handlers/answered.js",
      meta: { conversation: conversation.id },
    });
    answer.streamId = streamId;
  } catch (error) {
    answer.system = store.publicMessage(failed(conversation, error));
  }
  return json(answer, 202);
};
