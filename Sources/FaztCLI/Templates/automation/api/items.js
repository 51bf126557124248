// POST /api/items {"title": "..."} records an item and emits `item.added`;
// GET /api/items lists them. The event handler and the daily digest do the rest.

exports.GET = async () => fazt.storage.docs.find("items", {}, { sort: "-_createdAt", limit: 50 });

exports.POST = async (req) => {
  const title = typeof req.body?.title === "string" ? req.body.title.trim() : "";
  if (!title) return Response.json({ error: 'send {"title": "..."}' }, { status: 400 });
  const id = fazt.storage.docs.insert("items", { title, reminded: false });
  fazt.events.emit("item.added", { id, title });
  return Response.json({ id, title }, { status: 201 });
};
