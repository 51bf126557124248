// Grounding: the Markdown files under private/knowledge/ are cut into chunks (by heading and
// paragraph, ~1000 characters) once per deployed version, then ranked against each question:
// by cosine similarity of embeddings when assistant.embeddingModel is set, else by SQLite FTS5
// (bm25) keyword ranking.

const { config } = require("./config.js");

const KNOWLEDGE = "private/knowledge/";
const CHUNK = 1000;
const TOP = 3;

function version() {
  return String(fazt.app.version);
}

/// [{path, heading, text}] from every private/knowledge/*.md file of the live version.
function chunks() {
  if (!fazt.files || typeof fazt.files.list !== "function") {
    console.warn("assistant: this server has no fazt.files: answers are not grounded in private/knowledge/");
    return [];
  }
  const out = [];
  for (const entry of fazt.files.list(KNOWLEDGE)) {
    const path = typeof entry === "string" ? entry : entry.path;
    if (!/\.(md|markdown|txt)$/i.test(path)) continue;
    const text = fazt.files.read(path);
    if (typeof text === "string") out.push(...split(path, text));
  }
  return out;
}

/// Sections by heading, then paragraphs packed into chunks of about CHUNK characters.
function split(path, text) {
  const out = [];
  let heading = path.slice(KNOWLEDGE.length).replace(/\.\w+$/, "");
  let buffer = "";
  const flush = () => {
    const body = buffer.trim();
    if (body) out.push({ path, heading, text: body });
    buffer = "";
  };
  for (const block of text.replace(/\r\n/g, "\n").split(/\n\s*\n/)) {
    const title = /^#{1,6}\s+(.+)$/m.exec(block);
    if (title && block.trim().startsWith("#")) {
      flush();
      heading = title[1].trim();
    }
    if (buffer && buffer.length + block.length > CHUNK) flush();
    buffer += (buffer ? "\n\n" : "") + block.slice(0, CHUNK * 2);
  }
  flush();
  return out;
}

// ---- keyword ranking (FTS5) --------------------------------------------------------------------

function ensureKeywordIndex() {
  const sql = fazt.storage.sql;
  sql.exec("CREATE VIRTUAL TABLE IF NOT EXISTS knowledge USING fts5(path, heading, body)");
  if (fazt.storage.kv.get("knowledge:fts-version") === version()) return;
  const list = chunks();
  fazt.storage.transaction(() => {
    if (fazt.storage.kv.get("knowledge:fts-version") === version()) return;
    sql.exec("DELETE FROM knowledge");
    for (const chunk of list) {
      sql.exec("INSERT INTO knowledge (path, heading, body) VALUES (?, ?, ?)", [chunk.path, chunk.heading, chunk.text]);
    }
    fazt.storage.kv.set("knowledge:fts-version", version());
  });
}

function keywordSearch(question) {
  ensureKeywordIndex();
  const words = Array.from(new Set((question.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) || []).slice(0, 24)));
  if (words.length === 0) return [];
  const match = words.map((w) => '"' + w.replace(/"/g, "") + '"').join(" OR ");
  return fazt.storage.sql
    .query("SELECT path, heading, body AS text FROM knowledge WHERE knowledge MATCH ? ORDER BY bm25(knowledge) LIMIT ?", [
      match,
      TOP,
    ]);
}

// ---- embeddings -------------------------------------------------------------------------------

async function ensureVectors() {
  if (fazt.storage.kv.get("knowledge:vector-version") === version()) return;
  const list = chunks();
  const vectors = list.length
    ? (await fazt.ai.embed({ model: config.embeddingModel, input: list.map((c) => c.heading + "\n" + c.text) })).vectors
    : [];
  fazt.storage.transaction(() => {
    if (fazt.storage.kv.get("knowledge:vector-version") === version()) return;
    fazt.storage.docs.delete("knowledge", {});
    list.forEach((chunk, i) => fazt.storage.docs.insert("knowledge", Object.assign({ vector: vectors[i] }, chunk)));
    fazt.storage.kv.set("knowledge:vector-version", version());
  });
}

function cosine(a, b) {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

async function vectorSearch(question) {
  await ensureVectors();
  const [query] = (await fazt.ai.embed({ model: config.embeddingModel, input: question })).vectors;
  return fazt.storage.docs
    .find("knowledge", {}, { limit: 10000 })
    .map((c) => ({ path: c.path, heading: c.heading, text: c.text, score: cosine(query, c.vector || []) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, TOP);
}

/// The chunks that best match `question` (never throws: grounding is a bonus, not a requirement).
async function search(question) {
  try {
    if (config.embeddingModel) {
      try {
        return await vectorSearch(question);
      } catch (error) {
        console.error(`assistant: embeddings failed (${error.code || error.name}: ${error.message}); using keyword ranking`);
      }
    }
    return keywordSearch(question);
  } catch (error) {
    console.error(`assistant: knowledge search failed: ${error.code || error.name}: ${error.message}`);
    return [];
  }
}

module.exports = { search, split };
