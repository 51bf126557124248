import FaztStore
import FaztTestSupport
import Foundation
import Testing

/// Data restore points end to end: `POST /apps/{name}/restore` and `fazt restore` against the real daemon.
@Suite struct RestoreTests {
    static func files(_ label: String) -> [ArchiveFixtures.Entry] {
        [
            js("api/version.js", "module.exports = () => '\(label)';"),
            js(
                "api/write.js",
                """
                module.exports = (req) => {
                  const n = req.query.n;
                  fazt.kv.set("last", n);
                  fazt.kv.set("key-" + n, { n });
                  fazt.sql.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)");
                  fazt.sql.exec("INSERT INTO t (v) VALUES (?)", [n]);
                  fazt.docs.insert("notes", { n });
                  fazt.blobs.put("latest.txt", "blob " + n);
                  return "ok";
                };
                """
            ),
            js(
                "api/alter.js",
                "module.exports = () => { fazt.sql.exec('ALTER TABLE t ADD COLUMN extra TEXT DEFAULT \\'x\\''); return 'ok'; };"
            ),
            js(
                "api/big.js",
                """
                module.exports = (req) => {
                  const rows = Number(req.query.rows);
                  fazt.sql.exec("CREATE TABLE IF NOT EXISTS big (id INTEGER PRIMARY KEY, v TEXT)");
                  const statements = [];
                  for (let start = 0; start < rows; start += 500) {
                    const values = [];
                    for (let i = start; i < Math.min(rows, start + 500); i++) values.push("(" + (i + 1) + ", 'row " + i + "')");
                    statements.push("INSERT OR REPLACE INTO big (id, v) VALUES " + values.join(","));
                  }
                  fazt.sql.batch(statements);
                  return "ok";
                };
                """
            ),
        ]
    }

    func write(_ server: ServerProcess, _ app: String, _ n: Int) throws {
        let response = try server.app(app, "/api/write?n=\(n)")
        #expect(response.status == 200, "\(response.text)")
    }

    func restore(_ server: ServerProcess, _ app: String, _ body: String) throws -> TestResponse {
        try server.api("POST", "/apps/\(app)/restore", body: Array(body.utf8))
    }

    @Test func restoresCodeDataOrBothAndCanBeUndone() throws {
        let server = try ServerProcess()
        func dump(_ app: String) throws -> String { try AppDataDump.dump(path: server.dataPath, app: app) }
        #expect(try server.deploy("other", try ArchiveFixtures.zip(Self.files("other"))).status == 201)
        try write(server, "other", 1)
        #expect(try server.deploy("notes", try ArchiveFixtures.zip(Self.files("v1"))).status == 201)
        try write(server, "notes", 1)
        try write(server, "notes", 2)
        let atV2 = try {
            #expect(try server.deploy("notes", try ArchiveFixtures.zip(Self.files("v2"))).status == 201)
            return try dump("notes")
        }()
        try write(server, "notes", 3)
        try write(server, "other", 2)
        #expect(try server.app("notes", "/api/alter").status == 200)
        try write(server, "notes", 4)
        let latest = try dump("notes")
        let other = try dump("other")

        // Data only: back to when v1 went live (before any write), code stays v2.
        let dataOnly = try restore(server, "notes", #"{"version": 1, "data": true, "code": false}"#)
        #expect(dataOnly.status == 200, "\(dataOnly.text)")
        #expect(dataOnly.json["data"] as? Bool == true && dataOnly.json["code"] as? Bool == false)
        #expect(try dump("notes").contains("app_notes__t") == false, "the table created after v1 went live is gone")
        #expect(try server.app("notes", "/api/version").text == "v2")
        #expect(try dump("other") == other, "another app's data is unchanged byte for byte")
        let undo = try #require(dataOnly.json["undo"] as? [String: Any])["seq"] as? Int

        // Undo it: back to the latest data, across the ALTER TABLE.
        let undone = try restore(server, "notes", #"{"seq": \#(try #require(undo))}"#)
        #expect(undone.status == 200, "\(undone.text) \(dataOnly.text)")
        #expect(try dump("notes") == latest)

        // Code only: v1 serves again, data untouched.
        let codeOnly = try restore(server, "notes", #"{"version": 1, "code": true, "data": false}"#)
        #expect(codeOnly.status == 200 && codeOnly.json["live"] as? Int == 1, "\(codeOnly.text)")
        #expect(try server.app("notes", "/api/version").text == "v1")
        #expect(try dump("notes") == latest)

        // Both (the default): v2's code and the data as it was when v2 went live.
        let both = try restore(server, "notes", #"{"version": 2}"#)
        #expect(both.status == 200 && both.json["live"] as? Int == 2, "\(both.text)")
        #expect(both.json["data"] as? Bool == true && both.json["code"] as? Bool == true)
        #expect(try server.app("notes", "/api/version").text == "v2")
        #expect(try dump("notes") == atV2)
        #expect(try dump("other") == other)

        let info = try server.api("GET", "/apps/notes").json
        let journal = try #require(info["journal"] as? [String: Any])
        #expect(journal["enabled"] as? Bool == true && (journal["entries"] as? Int ?? 0) > 0, "\(journal)")
    }

    @Test func badRestoreRequestsGetClearErrors() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("notes", try ArchiveFixtures.zip(Self.files("v1"))).status == 201)
        let nothing = try restore(server, "notes", #"{"version": 1, "data": false, "code": false}"#)
        #expect(nothing.status == 400 && nothing.text.contains("nothing to restore"), "\(nothing.text)")
        let missing = try restore(server, "notes", #"{"version": 9}"#)
        #expect(missing.status == 404 && missing.text.contains("no version 9"), "\(missing.text)")
        let noApp = try restore(server, "nosuch", #"{"version": 1}"#)
        #expect(noApp.status == 404)
        let twoPoints = try restore(server, "notes", #"{"version": 1, "snapshot": "a"}"#)
        #expect(twoPoints.status == 400 && twoPoints.text.contains("name one restore point"), "\(twoPoints.text)")
        let noKey = try server.app("notes", "/api/write?n=1")
        #expect(noKey.status == 200)
    }

    @Test func cliSnapshotAndRestore() throws {
        let server = try ServerProcess()
        let env = [
            "FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token(),
        ]
        #expect(try server.deploy("notes", try ArchiveFixtures.zip(Self.files("v1"))).status == 201)
        try write(server, "notes", 1)
        let before = try AppDataDump.dump(path: server.dataPath, app: "notes")
        let snap = try ServerProcess.runCLI(["snapshot", "notes", "--name", "before"], environment: env)
        #expect(snap.0 == 0 && snap.1.contains(#"snapshot "before" at journal position"#), "\(snap)")
        try write(server, "notes", 2)
        let restored = try ServerProcess.runCLI(["restore", "notes", "--snapshot", "before"], environment: env)
        #expect(restored.0 == 0 && restored.1.contains("restored data"), "\(restored)")
        #expect(try AppDataDump.dump(path: server.dataPath, app: "notes") == before)
        let code = try ServerProcess.runCLI(["restore", "notes", "1", "--code"], environment: env)
        #expect(code.0 == 0 && code.1.contains("now serving v1"), "\(code)")
        let info = try ServerProcess.runCLI(["apps", "info", "notes"], environment: env)
        #expect(info.1.contains("data journal on"), "\(info)")
    }

    /// kill -9 while a restore of a large change set holds its transaction open: after a restart
    /// the app's data is exactly the old state or exactly the new one.
    @Test func kill9DuringARestoreLeavesTheOldOrTheNewState() throws {
        var server = try ServerProcess(environment: ["FAZT_TEST_RESTORE_PAUSE_MS": "5000"])
        let directory = server.directory
        let token = try server.token()
        #expect(try server.deploy("notes", try ArchiveFixtures.zip(Self.files("v1"))).status == 201)
        try write(server, "notes", 1)
        #expect(try server.deploy("notes", try ArchiveFixtures.zip(Self.files("v2"))).status == 201)
        let new = try AppDataDump.dump(path: server.dataPath, app: "notes")
        #expect(try server.app("notes", "/api/big?rows=10000").status == 200)
        let old = try AppDataDump.dump(path: server.dataPath, app: "notes")

        // Paused inside the restore's transaction (the test hook says when): kill it there.
        let port = server.port
        DispatchQueue.global().async {
            _ = try? TestHTTP.request(
                port: port,
                "POST",
                "/_fazt/api/v1/apps/notes/restore",
                headers: [("Authorization", "Bearer \(token)")],
                body: Array(#"{"version": 2}"#.utf8)
            )
        }
        #expect(server.waitForStderr("fazt-test: restore paused", seconds: 30))
        server.kill9()
        server = try ServerProcess(reuse: directory)
        #expect(try AppDataDump.dump(path: server.dataPath, app: "notes") == old, "killed mid-restore: the old state")
        #expect(try server.app("notes", "/api/version").text == "v2")
        #expect(try server.api("GET", "/apps/notes", token: token).json["version"] as? Int == 2)

        // Kill at random moments around a restore: each time exactly one of the two states.
        for attempt in 0..<3 {
            let current = try AppDataDump.dump(path: server.dataPath, app: "notes")
            let target = attempt % 2 == 0 ? 2 : 1
            let port = server.port
            DispatchQueue.global().async {
                _ = try? TestHTTP.request(
                    port: port,
                    "POST",
                    "/_fazt/api/v1/apps/notes/restore",
                    headers: [("Authorization", "Bearer \(token)")],
                    body: Array(#"{"version": \#(target), "code": false, "data": true}"#.utf8)
                )
            }
            usleep(UInt32.random(in: 0...150_000))
            server.kill9()
            server = try ServerProcess(reuse: directory)
            let after = try AppDataDump.dump(path: server.dataPath, app: "notes")
            let restoredState =
                target == 2
                ? new
                : try {
                    // v1's point is before any write: no app data at all.
                    ""
                }()
            #expect(after == current || after == restoredState, "attempt \(attempt): neither the old nor the new state")
        }
    }
}
