import FaztTestSupport
import Foundation
import Testing

/// `fazt sql` and `fazt kv`: the owner reads an app's data through the real binary.
extension CLITests {
    static func seeded(_ table: String) -> [ArchiveFixtures.Entry] {
        [
            ArchiveFixtures.file(
                "api/seed.js",
                """
                module.exports = () => {
                  fazt.sql.exec("CREATE TABLE IF NOT EXISTS \(table) (id INTEGER PRIMARY KEY, title TEXT, done INTEGER)");
                  fazt.sql.exec("INSERT INTO \(table) (title, done) VALUES (?, ?), (?, ?)", ["write tests", 1, "ship", null]);
                  fazt.kv.set("user:1", { name: "Ann", tags: ["a"] });
                  fazt.kv.set("user:2", "Bob", { ttl: "1h" });
                  fazt.kv.set("user/slash", 3);
                  fazt.kv.set("gone", true, { ttl: 1 });
                  return { ok: true };
                };
                """
            )
        ]
    }

    @Test func sqlReadsOnlyTheAppsOwnTables() throws {
        let server = try ServerProcess()
        let env = try Self.environment(server)
        #expect(try server.deploy("notes", try ArchiveFixtures.zip(Self.seeded("todos"))).status == 201)
        #expect(try server.deploy("other", try ArchiveFixtures.zip(Self.seeded("secrets"))).status == 201)
        #expect(try server.app("notes", "/api/seed").status == 200)
        #expect(try server.app("other", "/api/seed").status == 200)
        func sql(_ arguments: [String]) throws -> (Int32, String, String) {
            try ServerProcess.runCLI(["sql"] + arguments, environment: env)
        }

        let (status, table, error) = try sql(["notes", "SELECT id, title, done FROM todos ORDER BY id"])
        #expect(status == 0, "\(error)")
        let lines = table.split(separator: "\n").map(String.init)
        #expect(lines == ["id  title        done", "1   write tests  1", "2   ship         NULL"], "\(table)")
        let json = try sql(["notes", "SELECT title FROM todos WHERE id = ?", "--param", "2", "--json"])
        let answer = try JSONSerialization.jsonObject(with: Data(json.1.utf8)) as? [String: Any]
        #expect(answer?["app"] as? String == "notes" && answer?["columns"] as? [String] == ["title"], "\(json)")
        #expect((answer?["rows"] as? [[String: Any]])?.map { $0["title"] as? String } == ["ship"])

        let write = try sql(["notes", "DELETE FROM todos"])
        #expect(write.0 != 0 && write.2.contains("fazt sql is read-only"), "\(write.2)")
        let create = try server.api("POST", "/apps/notes/sql", body: Array(#"{"sql":"CREATE TABLE x (a)"}"#.utf8))
        #expect(create.status == 400 && create.text.contains("fazt sql is read-only"))
        #expect(try sql(["notes", "SELECT count(*) AS n FROM todos"]).1.contains("2"))

        let unknown = try sql(["nosuch", "SELECT 1"])
        #expect(unknown.0 != 0 && unknown.2.contains(#"no app named "nosuch""#), "\(unknown.2)")
        #expect(try server.api("POST", "/apps/nosuch/sql", body: Array(#"{"sql":"SELECT 1"}"#.utf8)).status == 404)
        for text in ["SELECT * FROM app_other__secrets", "SELECT * FROM secrets", "SELECT * FROM main.apps"] {
            let (status, output, error) = try sql(["notes", text])
            #expect(status != 0 && !output.contains("ship"), "\(text): \(output) \(error)")
        }
        let broken = try server.api("POST", "/apps/notes/sql", body: Array(#"{"sql":"SELEC 1"}"#.utf8))
        #expect(broken.status == 400 && broken.text.contains("syntax error"), "\(broken.text)")
    }

    @Test func kvGetAndListShowLiveKeys() throws {
        let server = try ServerProcess()
        let env = try Self.environment(server)
        #expect(try server.deploy("notes", try ArchiveFixtures.zip(Self.seeded("todos"))).status == 201)
        #expect(try server.app("notes", "/api/seed").status == 200)
        func kv(_ arguments: [String]) throws -> (Int32, String, String) {
            try ServerProcess.runCLI(["kv", "notes"] + arguments, environment: env)
        }

        let value = try kv(["get", "user:1"])
        #expect(value.0 == 0, "\(value.2)")
        let parsed = try JSONSerialization.jsonObject(with: Data(value.1.utf8)) as? [String: Any]
        #expect(parsed?["name"] as? String == "Ann" && parsed?["tags"] as? [String] == ["a"], "\(value.1)")
        #expect(try kv(["get", "user/slash"]).1.trimmingCharacters(in: .whitespacesAndNewlines) == "3")
        let full = try kv(["get", "user:2", "--json"])
        let body = try JSONSerialization.jsonObject(with: Data(full.1.utf8)) as? [String: Any]
        #expect(body?["app"] as? String == "notes" && body?["key"] as? String == "user:2")
        #expect(body?["value"] as? String == "Bob" && (body?["expiresAt"] as? Int ?? 0) > 0)

        for key in ["nope", "gone"] {
            let (status, _, error) = try kv(["get", key])
            #expect(status == 1 && error.contains(#"no key "\#(key)" in notes"#), "\(error)")
        }
        let listed = try kv(["list", "user"])
        let keys = listed.1.split(separator: "\n").dropFirst().map { $0.split(separator: " ").first.map(String.init) }
        #expect(listed.0 == 0 && keys == ["user/slash", "user:1", "user:2"], "\(listed)")
        let page = try kv(["list", "--limit", "2", "--json"])
        let json = try JSONSerialization.jsonObject(with: Data(page.1.utf8)) as? [String: Any]
        let items = json?["keys"] as? [[String: Any]] ?? []
        #expect(items.map { $0["key"] as? String } == ["user/slash", "user:1"], "\(page.1)")
        #expect(json?["cursor"] as? String == "user:1")
        let unknown = try ServerProcess.runCLI(["kv", "nosuch", "list"], environment: env)
        #expect(unknown.0 != 0 && unknown.2.contains(#"no app named "nosuch""#))
    }
}
