import FaztTestSupport
import Foundation
import Testing

/// Drafts through the real binary: file-by-file changes on top of a base version, committed as a
/// validated version in one step.
@Suite struct DraftTests {
    static let site: [ArchiveFixtures.Entry] = [
        ArchiveFixtures.file("index.html", "<h1>v1</h1>"),
        ArchiveFixtures.file("old.txt", "old"),
        ArchiveFixtures.file("api/main.js", "module.exports = () => 'v1';"),
    ]

    static func error(_ response: TestResponse) -> (code: String?, message: String?) {
        let error = response.json["error"] as? [String: Any]
        return (error?["code"] as? String, error?["message"] as? String)
    }

    static func put(_ server: ServerProcess, _ route: String, _ text: String) throws -> TestResponse {
        try server.api(
            "PUT",
            route,
            headers: [("Content-Type", "text/plain")],
            body: Array(text.utf8)
        )
    }

    static func commit(_ server: ServerProcess, _ app: String, _ draft: String, _ json: String) throws -> TestResponse {
        try server.api(
            "POST",
            "/apps/\(app)/drafts/\(draft)/commit",
            headers: [("Content-Type", "application/json")],
            body: Array(json.utf8)
        )
    }

    @Test func writesOverwritesDeletesAndCommitsAsALiveVersion() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("blog", try ArchiveFixtures.zip(Self.site)).status == 201)
        let route = "/apps/blog/drafts/edit"
        let created = try Self.put(server, route + "/files/new/page.html", "<p>new</p>")
        #expect(created.status == 201, "\(created.text)")
        #expect(created.json["app"] as? String == "blog")
        #expect(created.json["draft"] as? String == "edit")
        #expect(created.json["path"] as? String == "new/page.html")
        #expect(created.json["size"] as? Int == 10)
        #expect(created.json["base"] as? Int == 1)
        #expect(try Self.put(server, route + "/files/index.html", "<h1>draft</h1>").status == 200, "replaces v1's")
        #expect(try Self.put(server, route + "/files/index.html", "<h1>v2</h1>").status == 200)
        #expect(try server.api("DELETE", route + "/files/old.txt").status == 200)
        #expect(try server.api("DELETE", route + "/files/old.txt").status == 404, "already gone in the draft")
        let readBack = try server.api("GET", route + "/files/index.html")
        #expect(readBack.text == "<h1>v2</h1>" && readBack.header("content-type") == "text/html; charset=utf-8")
        #expect(try server.api("GET", route + "/files/api/main.js").text == "module.exports = () => 'v1';")
        #expect(try server.api("GET", route + "/files/old.txt").status == 404)

        let status = try server.api("GET", route)
        #expect(status.status == 200)
        #expect(status.json["base"] as? Int == 1 && status.json["live"] as? Int == 1)
        let changes = (status.json["changes"] as? [[String: Any]] ?? []).map {
            "\($0["change"] as? String ?? "?") \($0["path"] as? String ?? "?")"
        }
        #expect(changes == ["modified index.html", "added new/page.html", "deleted old.txt"])
        let list = try server.api("GET", "/apps/blog/drafts")
        #expect((list.json["drafts"] as? [[String: Any]])?.compactMap { $0["draft"] as? String } == ["edit"])
        // Nothing is live until the commit.
        #expect(try server.app("blog", "/").text == "<h1>v1</h1>")

        let committed = try Self.commit(server, "blog", "edit", #"{"message": "edit by draft", "expectedParent": 1}"#)
        #expect(committed.status == 201, "\(committed.text)")
        #expect(committed.json["version"] as? Int == 2)
        #expect(committed.json["files"] as? Int == 3)
        #expect(committed.json["live"] as? Bool == true)
        #expect(committed.json["url"] as? String == "http://blog.localhost:\(server.port)/")
        #expect(committed.json["summary"] != nil)
        #expect(try server.app("blog", "/").text == "<h1>v2</h1>")
        #expect(try server.app("blog", "/new/page.html").text == "<p>new</p>")
        #expect(try server.app("blog", "/old.txt").status == 404)
        #expect(try server.app("blog", "/api/main").text == "v1", "unchanged files come from the base")
        let versions = try server.api("GET", "/apps/blog/versions").json["versions"] as? [[String: Any]] ?? []
        #expect(versions.first?["source"] as? String == "draft")
        #expect(versions.first?["message"] as? String == "edit by draft")
        #expect(versions.first?["parent"] as? Int == 1)
        // The draft is gone after the commit.
        let gone = try server.api("GET", route)
        #expect(gone.status == 404)
        #expect(Self.error(gone).message?.contains("fazt draft list blog") == true, "\(gone.text)")
    }

    @Test func aSyntaxErrorLeavesTheLiveVersionAndTheDraftAsTheyWere() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("safe", try ArchiveFixtures.zip(Self.site)).status == 201)
        let route = "/apps/safe/drafts/broken"
        #expect(try Self.put(server, route + "/files/api/main.js", "module.exports = () => 'v2';").status == 200)
        #expect(
            try Self.put(server, route + "/files/api/bad.js", "module.exports = () => {\n  return {;\n};").status == 201
        )
        let refused = try Self.commit(server, "safe", "broken", "{}")
        #expect(refused.status == 400)
        #expect(Self.error(refused).code == "syntax_error")
        #expect(Self.error(refused).message?.hasPrefix("api/bad.js:2") == true, "\(refused.text)")
        #expect(try server.app("safe", "/api/main").text == "v1")
        #expect(try server.api("GET", "/apps/safe").json["versions"] as? Int == 1)
        #expect((try server.api("GET", route).json["changes"] as? [Any])?.count == 2, "the draft is intact")

        // Fixing the file in the draft makes the commit go through.
        #expect(try Self.put(server, route + "/files/api/bad.js", "module.exports = () => 'ok';").status == 200)
        let manifest = try Self.put(server, route + "/files/fazt.json", #"{"cors": {"origin": "x"}}"#)
        #expect(manifest.status == 201)
        #expect(Self.error(try Self.commit(server, "safe", "broken", "{}")).code == "bad_manifest")
        #expect(try server.api("DELETE", route + "/files/fazt.json").status == 200)
        #expect(try Self.commit(server, "safe", "broken", "{}").status == 201)
        #expect(try server.app("safe", "/api/main").text == "v2")
        #expect(try server.app("safe", "/api/bad").text == "ok")
    }

    @Test func aStaleParentIsAConflictAndNoDeployStoresWithoutServing() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("race", try ArchiveFixtures.zip(Self.site)).status == 201)
        #expect(try Self.put(server, "/apps/race/drafts/mine/files/index.html", "<h1>mine</h1>").status == 200)
        // Someone deploys in between: the app moved on to version 2.
        let other = [ArchiveFixtures.file("index.html", "<h1>theirs</h1>")]
        #expect(try server.deploy("race", try ArchiveFixtures.zip(other)).status == 201)
        let stale = try Self.commit(server, "race", "mine", #"{"expectedParent": 1}"#)
        #expect(stale.status == 409)
        #expect(Self.error(stale).code == "conflict")
        let message = Self.error(stale).message ?? ""
        #expect(message.contains("version 2") && message.contains("not 1"), "\(message)")
        #expect(message.contains("fazt draft discard race mine"), "\(message)")
        let moved = try Self.commit(server, "race", "mine", "{}")
        #expect(moved.status == 409)
        #expect(Self.error(moved).message?.contains("based on version 1") == true, "\(moved.text)")
        #expect(try server.app("race", "/").text == "<h1>theirs</h1>")

        // A draft on the current version, committed without deploying.
        #expect(try server.api("DELETE", "/apps/race/drafts/mine").status == 200)
        #expect(try server.api("DELETE", "/apps/race/drafts/mine").status == 404)
        #expect(try Self.put(server, "/apps/race/drafts/later/files/index.html", "<h1>later</h1>").status == 200)
        let stored = try Self.commit(server, "race", "later", #"{"deploy": false, "expectedParent": 2}"#)
        #expect(stored.status == 201, "\(stored.text)")
        #expect(stored.json["version"] as? Int == 3 && stored.json["live"] as? Bool == false)
        #expect(try server.app("race", "/").text == "<h1>theirs</h1>")
        #expect(try server.api("GET", "/apps/race").json["version"] as? Int == 2)
        let rollback = try server.api(
            "POST",
            "/apps/race/rollback",
            headers: [("Content-Type", "application/json")],
            body: Array(#"{"version": 3}"#.utf8)
        )
        #expect(rollback.status == 200)
        #expect(try server.app("race", "/").text == "<h1>later</h1>")
    }

    @Test func refusesBadNamesAndPathsAndDeletingTheAppRemovesItsDrafts() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("names", try ArchiveFixtures.zip(Self.site)).status == 201)
        let badName = try Self.put(server, "/apps/names/drafts/Bad_Name/files/a.txt", "x")
        #expect(badName.status == 400 && Self.error(badName).code == "invalid_name")
        #expect(Self.error(badName).message?.contains("1-40 lower-case letters") == true, "\(badName.text)")
        let escape = try Self.put(server, "/apps/names/drafts/ok/files/a/%2E%2E/%2E%2E/etc/passwd", "x")
        #expect(escape.status == 400 && Self.error(escape).code == "invalid_path", "\(escape.text)")
        #expect(try server.api("GET", "/apps/names/drafts/ok").status == 404, "a refused write creates nothing")
        let noApp = try Self.put(server, "/apps/nothere/drafts/ok/files/a.txt", "x")
        #expect(noApp.status == 404)

        #expect(
            try Self.put(server, "/apps/names/drafts/keep/files/big.bin", String(repeating: "z", count: 4096)).status
                == 201
        )
        #expect(try server.api("DELETE", "/apps/names").status == 200)
        #expect(try server.deploy("names", try ArchiveFixtures.zip(Self.site)).status == 201)
        let list = try server.api("GET", "/apps/names/drafts")
        #expect(list.status == 200 && (list.json["drafts"] as? [Any])?.isEmpty == true, "\(list.text)")
    }

    @Test func aFileOverThePerFileLimitIsRefusedNamingTheFlag() throws {
        // The generic body limit is 1 MB here; a draft file may use the whole per-file limit (2 MB).
        let server = try ServerProcess(arguments: ["--max-body-mb", "1", "--max-file-mb", "2"])
        #expect(try server.deploy("sizes", try ArchiveFixtures.zip(Self.site)).status == 201)
        let route = "/apps/sizes/drafts/big/files/"
        let fits = try server.api("PUT", route + "fits.bin", body: Array(repeating: 7, count: 3 << 19))
        #expect(fits.status == 201, "\(fits.text)")
        let tooLarge = try server.api("PUT", route + "huge.bin", body: Array(repeating: 7, count: (2 << 20) + 1))
        #expect(tooLarge.status == 413)
        #expect(Self.error(tooLarge).message?.contains("--max-file-mb") == true, "\(tooLarge.text)")
        #expect(try server.api("GET", route + "fits.bin").body.count == 3 << 19)
    }

    @Test func theCLIWritesCommitsAndDiscards() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("clidraft", try ArchiveFixtures.zip(Self.site)).status == 201)
        let env = ["FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token()]
        func cli(_ arguments: [String], input: String? = nil) throws -> (Int32, String, String) {
            try ServerProcess.runCLI(arguments, environment: env, input: input)
        }
        let folder = try TemporaryDirectory()
        try "<h1>from cli</h1>".write(toFile: folder.path + "/index.html", atomically: true, encoding: .utf8)
        let written = try cli(["draft", "write", "clidraft", "wip", "index.html", folder.path + "/index.html"])
        #expect(written.0 == 0, "\(written.2)")
        #expect(written.1.contains("wrote index.html"))
        #expect(try cli(["draft", "write", "clidraft", "wip", "notes/a b.txt", "-"], input: "spaced").0 == 0)
        #expect(try cli(["draft", "rm", "clidraft", "wip", "old.txt"]).0 == 0)
        let status = try cli(["draft", "status", "clidraft", "wip"])
        #expect(status.0 == 0)
        #expect(
            status.1.contains("M index.html") && status.1.contains("A notes/a b.txt") && status.1.contains("D old.txt")
        )
        #expect(try cli(["draft", "list", "clidraft"]).1.contains("wip"))
        let committed = try cli(["draft", "commit", "clidraft", "wip", "-m", "cli", "--expected-parent", "1"])
        #expect(committed.0 == 0, "\(committed.2)")
        #expect(committed.1.contains("v2"))
        #expect(try server.app("clidraft", "/").text == "<h1>from cli</h1>")
        #expect(try server.app("clidraft", "/notes/a%20b.txt").text == "spaced")

        #expect(try cli(["draft", "write", "clidraft", "scrap", "x.txt", "-"], input: "x").0 == 0)
        let stale = try cli(["draft", "commit", "clidraft", "scrap", "--expected-parent", "1"])
        #expect(stale.0 != 0 && stale.2.contains("conflict"), "\(stale.2)")
        #expect(try cli(["draft", "discard", "clidraft", "scrap"]).0 == 0)
        let missing = try cli(["draft", "status", "clidraft", "scrap"])
        #expect(missing.0 != 0 && missing.2.contains("fazt draft list clidraft"), "\(missing.2)")
    }
}
