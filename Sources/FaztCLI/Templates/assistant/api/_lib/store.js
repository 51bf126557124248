// Conversations and messages (the storage contract `fazt assistant` reads), channel broadcasts,
// hand-offs to a person and owner notifications.
//
// docs "conversations": {id, status: "open"|"pending"|"human", origin, visitor: {id?, name?, verified},
//                        ip, key, messageCount, lastMessage (≤ 200 chars), updatedAt (ms)}
// docs "messages":      {id, conversation, role: "visitor"|"assistant"|"owner"|"system", text, at (ms), streamId?}

const { config } = require("./config.js");

const docs = fazt.storage.docs;
let indexed = false;

function ensureIndexes() {
  if (indexed) return;
  indexed = true;
  try {
    docs.createIndex("messages", "conversation");
    docs.createIndex("conversations", "updatedAt");
  } catch (error) {
    console.warn("assistant: could not create indexes: " + error.message);
  }
}

function channelOf(id) {
  return "conv-" + id;
}

function randomKey() {
  const bytes = new Uint8Array(24);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/// A connection token that opens only this conversation's channel.
function tokenFor(id) {
  return {
    token: fazt.socket.token({ channels: [channelOf(id)], ttl: config.tokenTTL }),
    tokenExpiresAt: Date.now() + config.tokenTTL * 1000,
  };
}

function createConversation({ origin, visitor, ip }) {
  ensureIndexes();
  const id = crypto.randomUUID();
  const conversation = {
    id,
    status: "open",
    origin: origin || "",
    visitor,
    ip: ip || "",
    key: randomKey(),
    messageCount: 0,
    lastMessage: "",
    updatedAt: Date.now(),
  };
  docs.insert("conversations", conversation);
  return conversation;
}

/// The conversation when `key` is its secret, else null (the same answer for "absent" and "wrong key").
function findConversation(id, key) {
  if (typeof id !== "string" || typeof key !== "string" || !id || !key) return null;
  const conversation = docs.get("conversations", id);
  if (!conversation || !timingSafeEqual(conversation.key, key)) return null;
  return conversation;
}

function timingSafeEqual(a, b) {
  a = String(a);
  b = String(b);
  let difference = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    difference |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  }
  return difference === 0;
}

/// Stores a message, updates its conversation and broadcasts it to the conversation's channel.
function addMessage(conversationId, role, text, extra = {}) {
  ensureIndexes();
  const message = Object.assign({ id: crypto.randomUUID(), conversation: conversationId, role, text, at: Date.now() }, extra);
  fazt.storage.transaction(() => {
    docs.insert("messages", message);
    docs.update(
      "conversations",
      { id: conversationId },
      { $inc: { messageCount: 1 }, $set: { lastMessage: text.slice(0, 200), updatedAt: message.at } }
    );
  });
  const event = { type: role, id: message.id, text: message.text, at: message.at };
  if (message.streamId) event.streamId = message.streamId;
  fazt.socket.broadcast(channelOf(conversationId), event);
  return message;
}

function transcript(conversationId) {
  return docs
    .find("messages", { conversation: conversationId }, { limit: 1000 })
    .map(publicMessage);
}

function publicMessage(m) {
  const out = { id: m.id, role: m.role, text: m.text, at: m.at };
  if (m.streamId) out.streamId = m.streamId;
  return out;
}

function setStatus(conversationId, status) {
  docs.update("conversations", { id: conversationId }, { $set: { status, updatedAt: Date.now() } });
  fazt.socket.broadcast(channelOf(conversationId), { type: "status", status, at: Date.now() });
}

/// Tells the owner (inbox and every notification channel); never fails the caller.
function notifyOwner(conversation, title, text) {
  try {
    fazt.notify({
      title,
      body: `${text.slice(0, 1000)}\n\nconversation ${conversation.id}` +
        (conversation.origin ? ` on ${conversation.origin}` : "") +
        `\nanswer: fazt assistant reply ${fazt.app.name} ${conversation.id} "…"`,
      url: conversation.origin || undefined,
      priority: "high",
      tags: ["assistant", "handoff"],
    });
  } catch (error) {
    console.error(`assistant: could not notify the owner (${error.code || error.name}): ${error.message}`);
  }
}

/// Hands the conversation to a person: status pending, a system message, the owner notified.
function handoff(conversation, reasonText) {
  if (conversation.status === "pending" || conversation.status === "human") return;
  conversation.status = "pending";
  setStatus(conversation.id, "pending");
  addMessage(
    conversation.id,
    "system",
    "I have asked a person from the team to join. They will answer here as soon as they can; you can keep writing meanwhile."
  );
  notifyOwner(conversation, "Assistant: a visitor asks for a person", reasonText);
}

/// Whether `text` contains one of the hand-off keywords as a whole word (any case).
function asksForPerson(text) {
  const lower = text.toLowerCase();
  return config.handoffKeywords.some((keyword) => {
    const word = String(keyword).toLowerCase().trim();
    if (!word) return false;
    const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\s+/g, "\\s+");
    return new RegExp("(^|[^\\p{L}\\p{N}])" + escaped + "($|[^\\p{L}\\p{N}])", "u").test(lower);
  });
}

module.exports = {
  channelOf,
  tokenFor,
  createConversation,
  findConversation,
  timingSafeEqual,
  addMessage,
  transcript,
  publicMessage,
  setStatus,
  notifyOwner,
  handoff,
  asksForPerson,
};
