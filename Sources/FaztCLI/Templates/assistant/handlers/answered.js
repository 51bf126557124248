// Runs (as a job) when an AI answer started by api/messages.js has ended: stores the whole answer
// (every tab rebuilt it from the channel meanwhile) and hands off when the model asked for a person.

const store = require("../api/_lib/store.js");

exports.scheduled = async (state) => {
  const id = state.meta && state.meta.conversation;
  const conversation = id ? fazt.storage.docs.get("conversations", id) : null;
  if (!conversation) return;
  if (fazt.storage.docs.findOne("messages", { streamId: state.streamId })) return; // a retried job
  const text = (state.text || "").trim();
  if (text) store.addMessage(id, "assistant", text, { streamId: state.streamId });
  if (state.error) {
    console.error(`assistant: the answer ${state.streamId} ended with an error: ${JSON.stringify(state.error)}`);
    if (!text) {
      store.addMessage(id, "system", "The assistant could not answer just now. Please try again in a moment.");
    }
  }
  const calls = Array.isArray(state.toolCalls) ? state.toolCalls : [];
  const asked = calls.find((call) => call && call.name === "handoff_to_human");
  if (asked) {
    let reason = "";
    try {
      reason = JSON.parse(asked.arguments || "{}").reason || "";
    } catch (error) {
      reason = String(asked.arguments || "");
    }
    const last = fazt.storage.docs.find("messages", { conversation: id, role: "visitor" }, { limit: 10000 }).pop();
    store.handoff(conversation, (reason ? reason + "\n\n" : "") + (last ? last.text : ""));
  }
};
