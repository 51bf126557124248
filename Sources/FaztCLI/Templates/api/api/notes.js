// GET /api/notes lists the notes; POST /api/notes {"text": "..."} adds one.
// Documents live in this app's storage in data.db (fazt.storage.docs).

exports.GET = async () => fazt.storage.docs.find("notes", {}, { sort: "-_createdAt", limit: 100 });

exports.POST = async (req) => {
  const text = typeof req.body?.text === "string" ? req.body.text.trim() : "";
  if (!text) return Response.json({ error: 'send {"text": "..."} with a non-empty text' }, { status: 400 });
  if (text.length > 2000) return Response.json({ error: "a note is at most 2000 characters" }, { status: 400 });
  const id = fazt.storage.docs.insert("notes", { text });
  return Response.json({ id, text }, { status: 201 });
};
