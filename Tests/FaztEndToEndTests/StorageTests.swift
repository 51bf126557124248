import FaztStore
import FaztTestSupport
import Foundation
import Synchronization
import Testing

/// `fazt.storage` through deployed apps and the real binary.
@Suite struct StorageTests {
    static let app: [ArchiveFixtures.Entry] = [
        js(
            "api/kv.js",
            """
            module.exports = (req) => {
              const kv = fazt.storage.kv;
              kv.set("user:1", { name: "Ann", tags: ["a"] });
              kv.set("temp", 1, { ttl: "10m" });
              const n = kv.incr("visits");
              const page = kv.list({ prefix: "user:", limit: 10 });
              return { user: kv.get("user:1"), has: kv.has("temp"), missing: kv.get("nope"), n,
                       keys: page.items.map((i) => i.key), expires: kv.list({ prefix: "temp" }).items[0].expiresAt > Date.now(),
                       deleted: kv.delete("temp"), after: kv.has("temp") };
            };
            """
        ),
        js(
            "api/docs.js",
            """
            module.exports = () => {
              const docs = fazt.docs;
              docs.createIndex("people", "age");
              const ann = docs.insert("people", { name: "Ann", age: 31, address: { city: "Oslo" } });
              docs.insertMany("people", [{ id: "bob", name: "Bob", age: 25 }, { name: "Cy", age: 40 }]);
              const older = docs.find("people", { age: { $gt: 30 } }, { sort: { age: -1 }, fields: ["name"] });
              const updated = docs.update("people", { id: "bob" }, { $inc: { age: 1 }, $push: { tags: "new" } });
              return { older, updated, bob: docs.get("people", "bob"), count: docs.count("people", {}),
                       oslo: docs.findOne("people", { "address.city": "Oslo" }).id === ann,
                       removed: docs.delete("people", { age: { $lt: 30 } }) };
            };
            """
        ),
        js(
            "api/sql.js",
            """
            module.exports = () => {
              const sql = fazt.sql;
              sql.exec("CREATE TABLE IF NOT EXISTS todos (id INTEGER PRIMARY KEY, title TEXT NOT NULL)");
              const inserted = sql.exec("INSERT INTO todos (title) VALUES (?)", ["write tests"]);
              sql.batch([["INSERT INTO todos (title) VALUES (?)", ["ship"]], { sql: "UPDATE todos SET title = upper(title) WHERE id = 1" }]);
              const denied = [];
              for (const text of ["SELECT * FROM main.apps", "SELECT * FROM sqlite_master", "ATTACH 'x.db' AS x", "PRAGMA journal_mode=DELETE", "VACUUM"]) {
                try { sql.query(text); denied.push("allowed: " + text); } catch (e) { denied.push(e.code); }
              }
              return { inserted, rows: sql.query("SELECT id, title FROM todos ORDER BY id"), tables: sql.tables(), denied };
            };
            """
        ),
        js(
            "api/blobs.js",
            """
            module.exports = () => {
              const put = fazt.blobs.put("img/a.bin", new Uint8Array([1, 2, 3, 255]), { type: "application/x-test" });
              fazt.blobs.put("notes/n.txt", "hello");
              const got = fazt.blobs.get("img/a.bin");
              return { put, size: got.size, type: got.type, bytes: Array.from(new Uint8Array(got.data)),
                       listed: fazt.blobs.list({ prefix: "img/" }).map((b) => b.path), none: fazt.blobs.get("nope"),
                       text: new TextDecoder().decode(fazt.blobs.get("notes/n.txt").data) };
            };
            """
        ),
        js(
            "api/tx.js",
            """
            module.exports = (req) => {
              const kv = fazt.kv;
              let error = null;
              try {
                fazt.storage.transaction(() => {
                  kv.set("a", 1);
                  fazt.docs.insert("c", { id: "x" });
                  fazt.sql.exec("CREATE TABLE IF NOT EXISTS t (x PRIMARY KEY)");
                  fazt.sql.exec("INSERT INTO t VALUES (1)");
                  fazt.blobs.put("b", "data");
                  if (kv.get("a") !== 1) throw new Error("cannot read own write");
                  throw new Error("roll back");
                });
              } catch (e) { error = e.message; }
              const rolledBack = { a: kv.get("a"), doc: fazt.docs.get("c", "x"), blob: fazt.blobs.get("b"), tables: fazt.sql.tables() };
              const value = fazt.storage.transaction(() => { kv.set("a", 2); kv.incr("a"); return kv.get("a"); });
              let conflict = null;
              try { fazt.storage.transaction(() => { fazt.docs.insert("c", { id: "y" }); fazt.docs.insert("c", { id: "y" }); }); }
              catch (e) { conflict = e.code; }
              return { error, rolledBack, value, committed: kv.get("a"), conflict, y: fazt.docs.get("c", "y") };
            };
            """
        ),
        js(
            "api/errors.js",
            """
            module.exports = () => {
              const codes = {};
              const attempt = (name, fn) => { try { fn(); codes[name] = "none"; } catch (e) { codes[name] = e instanceof FaztError ? e.code : "not a FaztError: " + e; } };
              attempt("bigKey", () => fazt.kv.set("k".repeat(2000), 1));
              attempt("bigValue", () => fazt.kv.set("k", "v".repeat(1100000)));
              attempt("badQuery", () => fazt.docs.find("c", { "a b": 1 }));
              attempt("badOperator", () => fazt.docs.find("c", { a: { $regex: "x" } }));
              attempt("sqlDenied", () => fazt.sql.query("SELECT * FROM main.tokens"));
              attempt("sqlError", () => fazt.sql.query("SELEKT 1"));
              attempt("bigBlob", () => fazt.blobs.put("x", new Uint8Array(51 * 1024 * 1024)));
              attempt("notJSON", () => fazt.kv.set("k", { toJSON() { throw new Error("x"); } }));
              return codes;
            };
            """
        ),
    ]

    @Test func everyStoreWorksFromJavaScript() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("store", try ArchiveFixtures.zip(Self.app)).status == 201)
        let kv = try server.app("store", "/api/kv").json
        #expect((kv["user"] as? [String: Any])?["name"] as? String == "Ann")
        #expect(kv["has"] as? Bool == true && kv["missing"] is NSNull && kv["n"] as? Int == 1)
        #expect(kv["keys"] as? [String] == ["user:1"] && kv["expires"] as? Bool == true)
        #expect(kv["deleted"] as? Bool == true && kv["after"] as? Bool == false)
        #expect(try server.app("store", "/api/kv").json["n"] as? Int == 2)

        let docs = try server.app("store", "/api/docs").json
        #expect((docs["older"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["Cy", "Ann"])
        #expect((docs["older"] as? [[String: Any]])?.first?["age"] == nil, "fields projects")
        #expect(docs["updated"] as? Int == 1 && (docs["bob"] as? [String: Any])?["age"] as? Int == 26)
        #expect((docs["bob"] as? [String: Any])?["tags"] as? [String] == ["new"])
        #expect(docs["count"] as? Int == 3 && docs["oslo"] as? Bool == true && docs["removed"] as? Int == 1)

        let sql = try server.app("store", "/api/sql").json
        #expect((sql["inserted"] as? [String: Any])?["lastInsertRowid"] as? Int == 1)
        #expect((sql["rows"] as? [[String: Any]])?.compactMap { $0["title"] as? String } == ["WRITE TESTS", "ship"])
        #expect(sql["tables"] as? [String] == ["todos"])
        #expect(sql["denied"] as? [String] == ["SQL_DENIED", "SQL_DENIED", "SQL_DENIED", "SQL_DENIED", "SQL_DENIED"])

        let blobs = try server.app("store", "/api/blobs").json
        #expect(blobs["bytes"] as? [Int] == [1, 2, 3, 255] && blobs["size"] as? Int == 4)
        #expect(blobs["type"] as? String == "application/x-test" && blobs["listed"] as? [String] == ["img/a.bin"])
        #expect(((blobs["put"] as? [String: Any])?["etag"] as? String)?.count == 32 && blobs["none"] is NSNull)
        #expect(blobs["text"] as? String == "hello")

        let tx = try server.app("store", "/api/tx").json
        #expect(tx["error"] as? String == "roll back")
        let rolledBack = tx["rolledBack"] as? [String: Any] ?? [:]
        #expect(rolledBack["a"] is NSNull && rolledBack["doc"] is NSNull && rolledBack["blob"] is NSNull)
        #expect(rolledBack["tables"] as? [String] == ["todos"], "the CREATE TABLE was rolled back too")
        #expect(tx["value"] as? Int == 3 && tx["committed"] as? Int == 3)
        #expect(tx["conflict"] as? String == "CONSTRAINT" && tx["y"] is NSNull)

        let errors = try server.app("store", "/api/errors").json as? [String: String] ?? [:]
        #expect(
            errors["bigKey"] == "TOO_LARGE" && errors["bigValue"] == "TOO_LARGE" && errors["bigBlob"] == "TOO_LARGE"
        )
        #expect(errors["badQuery"] == "INVALID_QUERY" && errors["badOperator"] == "INVALID_QUERY")
        #expect(errors["sqlDenied"] == "SQL_DENIED" && errors["sqlError"] == "SQL_ERROR")
        #expect(errors["notJSON"] == "INVALID_ARGUMENT")

        let info = try server.api("GET", "/apps/store").json["storage"] as? [String: Any] ?? [:]
        #expect((info["bytes"] as? Int ?? 0) > 4096 && (info["sql"] as? Int ?? 0) >= 4096)
        #expect(info["quota"] as? Int == 1 << 30)
        let (status, output, _) = try ServerProcess.runCLI(
            ["apps", "info", "store"],
            environment: ["FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token()]
        )
        #expect(status == 0 && output.contains("storage:") && output.contains(" quota (kv "), "\(output)")
    }

    /// An app written for the original Fazt: `fazt.storage.ds/kv/s3` and `fazt.app.*` semantics.
    @Test func anOriginalFaztStyleAppStillWorks() throws {
        let server = try ServerProcess()
        let legacy = js(
            "api/legacy.js",
            """
            module.exports = async function (req) {
              const { kv, ds, s3 } = fazt.storage;
              kv.set("session", { user: "ann" }, 60000);
              ds.insert("posts", { title: "first" });
              ds.insert("posts", { title: "second" });
              s3.put("hello.txt", "hi there", "text/plain");
              const posts = ds.find("posts", {});
              const file = s3.get("hello.txt");
              return { session: kv.get("session"), titles: posts.map((p) => p.title), one: ds.findOne("posts", { title: "first" }).title,
                       data: file.data, type: file.type, same: fazt.app.kv.get("session").user, appDs: fazt.app.ds.find("posts", {}).length,
                       appS3: fazt.app.s3.get("hello.txt").data };
            };
            """
        )
        _ = try server.deploy("legacy", try ArchiveFixtures.zip([legacy]))
        let answer = try server.app("legacy", "/api/legacy").json
        #expect((answer["session"] as? [String: Any])?["user"] as? String == "ann")
        #expect(answer["titles"] as? [String] == ["second", "first"], "ds.find is newest-first")
        #expect(answer["one"] as? String == "first")
        #expect(answer["data"] as? String == Data("hi there".utf8).base64EncodedString(), "s3.get returns base64")
        #expect(answer["type"] as? String == "text/plain" && answer["same"] as? String == "ann")
        #expect(answer["appDs"] as? Int == 2 && answer["appS3"] as? String == answer["data"] as? String)
    }

    @Test func appsNeverReachEachOthersData() throws {
        let server = try ServerProcess()
        let owner = js(
            "api/write.js",
            """
            module.exports = () => {
              fazt.kv.set("secret", "a-only"); fazt.kv.set("a%", 1);
              fazt.docs.insert("private", { id: "s", secret: "a-only" });
              fazt.sql.exec("CREATE TABLE IF NOT EXISTS vault (secret TEXT PRIMARY KEY)"); fazt.sql.exec("INSERT INTO vault VALUES ('a-only')");
              fazt.blobs.put("secret.txt", "a-only");
              return "ok";
            };
            """
        )
        let intruder = js(
            "api/read.js",
            """
            module.exports = () => {
              const seen = [];
              const look = (what, fn) => { try { const v = JSON.stringify(fn()); if (v && v.includes("a-only")) seen.push(what); } catch (e) { if (!(e instanceof FaztError)) seen.push(what + ": " + e); } };
              look("kv.get", () => fazt.kv.get("secret"));
              look("kv.list", () => fazt.kv.list({ prefix: "" }));
              look("kv.list %", () => fazt.kv.list({ prefix: "%" }));
              look("kv.cursor", () => fazt.kv.list({ cursor: "" }));
              look("kv.cursor2", () => fazt.kv.list({ prefix: "", cursor: "\\u0000" }));
              look("docs.find", () => fazt.docs.find("private", {}));
              look("docs.get", () => fazt.docs.get("private", "s"));
              look("docs.or", () => fazt.docs.find("private", { $or: [{ secret: "a-only" }, { secret: { $exists: true } }] }));
              look("blobs.get", () => fazt.blobs.get("secret.txt") && new TextDecoder().decode(fazt.blobs.get("secret.txt").data));
              look("blobs.list", () => fazt.blobs.list({ prefix: "" }));
              for (const q of ["SELECT * FROM vault", "SELECT * FROM app_owner__vault", "SELECT * FROM \\"app_owner__vault\\"",
                               "SELECT * FROM main.app_owner__vault", "SELECT * FROM kv", "SELECT value FROM kv WHERE app = 'owner'",
                               "SELECT data FROM docs", "SELECT * FROM stored_blobs", "SELECT sql FROM sqlite_master",
                               "WITH x AS (SELECT * FROM app_owner__vault) SELECT * FROM x",
                               "SELECT * FROM pragma_table_info('app_owner__vault')"]) {
                look(q, () => fazt.sql.query(q));
              }
              look("writes", () => { fazt.kv.delete("secret"); fazt.docs.delete("private", {}); fazt.blobs.delete("secret.txt"); return null; });
              return { seen, updated: fazt.docs.update("private", {}, { secret: "b" }) };
            };
            """
        )
        _ = try server.deploy("owner", try ArchiveFixtures.zip([owner]))
        _ = try server.deploy("intruder", try ArchiveFixtures.zip([intruder]))
        #expect(try server.app("owner", "/api/write").text == "ok")
        let result = try server.app("intruder", "/api/read").json
        #expect(result["seen"] as? [String] == [], "\(result)")
        #expect(result["updated"] as? Int == 0)
        // The owner's data is untouched.
        let check = js(
            "api/check.js",
            "module.exports = () => [fazt.kv.get('secret'), fazt.docs.get('private', 's').secret, fazt.sql.query('SELECT secret FROM vault')[0].secret, new TextDecoder().decode(fazt.blobs.get('secret.txt').data)];"
        )
        _ = try server.deploy("owner", try ArchiveFixtures.zip([owner, check]))
        #expect(try server.app("owner", "/api/check").text == #"["a-only","a-only","a-only","a-only"]"#)
    }

    @Test func deletingAnAppDeletesItsStorage() throws {
        let server = try ServerProcess()
        let files = [
            js(
                "api/w.js",
                "module.exports = () => { fazt.kv.set('k', 1); fazt.sql.exec('CREATE TABLE t (x PRIMARY KEY)'); fazt.docs.insert('c', {}); fazt.blobs.put('b', 'x'); return 'ok'; };"
            ),
            js(
                "api/r.js",
                "module.exports = () => ({ kv: fazt.kv.get('k'), tables: fazt.sql.tables(), docs: fazt.docs.count('c', {}), blobs: fazt.blobs.list().length });"
            ),
        ]
        _ = try server.deploy("gone", try ArchiveFixtures.zip(files))
        #expect(try server.app("gone", "/api/w").text == "ok")
        #expect(try server.api("DELETE", "/apps/gone").status == 200)
        _ = try server.deploy("gone", try ArchiveFixtures.zip(files))
        #expect(try server.app("gone", "/api/r").text == #"{"kv":null,"tables":[],"docs":0,"blobs":0}"#)
    }

    @Test func theQuotaIsAClearError() throws {
        let server = try ServerProcess(arguments: ["--storage-quota-mb", "1"])
        let filler = js(
            "api/fill.js",
            """
            module.exports = () => {
              for (let i = 0; i < 20; i++) {
                try { fazt.kv.set("k" + i, "x".repeat(200000)); }
                catch (e) { return { stoppedAt: i, code: e.code, message: e.message }; }
              }
              return { stoppedAt: null };
            };
            """
        )
        _ = try server.deploy("full", try ArchiveFixtures.zip([filler]))
        let answer = try server.app("full", "/api/fill").json
        #expect(answer["code"] as? String == "QUOTA_EXCEEDED" && (answer["stoppedAt"] as? Int ?? 0) >= 5)
        #expect((answer["message"] as? String)?.contains("quota") == true)
        let storage = try server.api("GET", "/apps/full").json["storage"] as? [String: Any] ?? [:]
        #expect((storage["bytes"] as? Int ?? 0) >= 1 << 20 && storage["quota"] as? Int == 1 << 20)
        // The owner raises it.
        #expect(try server.api("PUT", "/apps/full/quota", body: Array(#"{"bytes":10485760}"#.utf8)).status == 200)
        #expect(try server.app("full", "/api/fill").json["stoppedAt"] is NSNull)
    }

    @Test func aSaturatedWriterAnswers503WithRetryAfter() throws {
        let server = try ServerProcess(arguments: ["--storage-max-queued-writes", "2", "--max-workers", "5"])
        let files = [
            js(
                "api/hold.js",
                "module.exports = () => { fazt.kv.set('started', 1); fazt.storage.transaction(() => { fazt.kv.set('h', 1); const end = Date.now() + 3000; while (Date.now() < end) {} }); return 'held'; };"
            ),
            js("api/started.js", "module.exports = () => String(fazt.kv.get('started') ?? 0);"),
            js("api/write.js", "module.exports = () => { fazt.kv.set('w' + Math.random(), 1); return 'wrote'; };"),
        ]
        _ = try server.deploy("busy", try ArchiveFixtures.zip(files))
        #expect(try server.app("busy", "/api/write").text == "wrote")
        let held = Mutex<String>("")
        let holder = Thread {
            let answer = (try? server.app("busy", "/api/hold").text) ?? "failed"
            held.withLock { $0 = answer }
        }
        holder.start()
        // The hold's first write is committed right before its transaction asks for the writer
        // (both go through the writer's queue in order): from then on the writer is taken.
        let deadline = Date().addingTimeInterval(30)
        while try server.app("busy", "/api/started").text != "1" && Date() < deadline { usleep(10_000) }
        // Writers arrive while the transaction holds the writer: two may queue, the rest are refused.
        var statuses: [Int] = []
        var retryAfter: String?
        while !statuses.contains(503) && held.withLock({ $0.isEmpty }) && Date() < deadline {
            let answers = Mutex<[(Int, String?)]>([])
            let group = DispatchGroup()
            for _ in 0..<4 {
                DispatchQueue.global().async(group: group) {
                    if let response = try? server.app("busy", "/api/write") {
                        answers.withLock { $0.append((response.status, response.header("retry-after"))) }
                    }
                }
            }
            group.wait()
            for (status, retry) in answers.withLock({ $0 }) {
                statuses.append(status)
                if status == 503 { retryAfter = retry }
            }
        }
        #expect(statuses.contains(503) && retryAfter == "1", "\(statuses)")
        while held.withLock({ $0.isEmpty }) { usleep(10_000) }
        #expect(held.withLock { $0 } == "held")
        #expect(try server.app("busy", "/api/write").text == "wrote", "the writer recovers")
    }
}
