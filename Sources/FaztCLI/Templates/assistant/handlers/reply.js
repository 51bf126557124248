// The owner's answer: `fazt assistant reply APP CONVERSATION TEXT` emits `assistant.reply`
// {conversation, text, at} into the app. Stores it, marks the conversation as taken by a person,
// and shows it in the visitor's open widget.

const store = require("../api/_lib/store.js");

exports.event = async (event) => {
  const data = event.data || {};
  const conversation = data.conversation ? fazt.storage.docs.get("conversations", data.conversation) : null;
  const text = typeof data.text === "string" ? data.text.trim() : "";
  if (!conversation || !text) {
    console.error(`assistant: a reply for an unknown conversation or without text: ${JSON.stringify(data).slice(0, 300)}`);
    return;
  }
  const id = "owner-" + event.id; // deliveries are at-least-once: one message per event
  if (fazt.storage.docs.get("messages", id)) return;
  if (conversation.status !== "human") store.setStatus(conversation.id, "human");
  store.addMessage(conversation.id, "owner", text, { id, at: typeof data.at === "number" ? data.at : Date.now() });
};
