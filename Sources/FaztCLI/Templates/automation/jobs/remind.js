// A durable timer's job: `state` is what the scheduling call stored.

exports.scheduled = async (state) => {
  const item = fazt.storage.docs.get("items", state.id);
  if (!item || item.reminded) return;
  fazt.storage.docs.update("items", { id: state.id }, { reminded: true });
  fazt.notify({ title: "Reminder: " + item.title, tags: ["__APP_NAME__"] });
};
